import { HoldpointError } from './holdpoint-error.js'

// Errors of history, forks, exports and imports, and of arguments to them.

/** An argument other than input data is out of range or of the wrong type. */
export class InvalidArgumentError extends HoldpointError {
  constructor(
    readonly argument: string,
    readonly expected: string,
  ) {
    super('INVALID_ARGUMENT', `${argument} must be ${expected}.`)
  }
}

/** `hp.fork()` was asked to fork at a point the run's history does not have. */
export class InvalidForkPointError extends HoldpointError {
  constructor(
    readonly runId: string,
    readonly at: number,
    readonly reason: string,
  ) {
    super('INVALID_FORK_POINT', `Run "${runId}" cannot be forked at event ${at}: ${reason}.`)
  }
}

/**
 * History was read or forked in a process created with `createHoldpoint({ history: false })`,
 * which writes no history: what the store holds of a run's history would be incomplete.
 */
export class HistoryDisabledError extends HoldpointError {
  constructor() {
    super(
      'HISTORY_DISABLED',
      "History is switched off in this process (createHoldpoint({ history: false })); turn it on to read or fork a run's history.",
    )
  }
}

/** A start reused an idempotency key of the same workflow with a different input. */
export class IdempotencyConflictError extends HoldpointError {
  constructor(
    readonly idempotencyKey: string,
    readonly runId: string,
  ) {
    super(
      'IDEMPOTENCY_CONFLICT',
      `Idempotency key "${idempotencyKey}" already started run "${runId}" with a different input. Use a new key for a different start.`,
    )
  }
}

/** `hp.import()` found a run with the document's id in the store. */
export class RunExistsError extends HoldpointError {
  constructor(readonly runId: string) {
    super(
      'RUN_EXISTS',
      `A run with id "${runId}" already exists in this store; it was left as it was. Prune or fork it instead of importing it again.`,
    )
  }
}

/** A document given to `hp.import()` is not a run export this version understands. */
export class InvalidExportError extends HoldpointError {
  constructor(readonly issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
    super(
      'INVALID_EXPORT',
      'The document is not a Holdpoint run export this version can import: ' +
        issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; '),
    )
  }
}
