import type { JsonValue } from './json.js'
import type { WorkflowStatus } from './status.js'

/** Every error Holdpoint throws on purpose carries one of these codes. */
export type HoldpointErrorCode =
  | 'RUN_NOT_FOUND'
  | 'UNKNOWN_REQUEST'
  | 'INVALID_INPUT'
  | 'ALREADY_ANSWERED'
  | 'RUN_NOT_WAITING'
  | 'CONCURRENT_MODIFICATION'
  | 'VERSION_MISMATCH'
  | 'NONDETERMINISM'
  | 'WORKFLOW_NOT_FOUND'
  | 'INPUT_TIMEOUT'
  | 'INVALID_DEFINITION'
  | 'INVALID_STATE'
  | 'NOT_SERIALIZABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'STEP_KEY_REUSED'
  | 'RUN_CANCELLED'
  | 'RUN_NOT_FAILED'
  | 'SCHEMA_TOO_NEW'
  | 'SCHEMA_TOO_OLD'
  | 'STORE_CLOSED'

const brand = Symbol.for('holdpoint.error')

/**
 * Base class of every error Holdpoint throws on purpose. Match on `code`, not on the class, when
 * the error may have crossed a process boundary.
 *
 * @example
 * ```ts
 * try {
 *   await engine.run({ approve: answer })
 * } catch (error) {
 *   if (HoldpointError.is(error, 'INVALID_INPUT')) console.log(error.issues)
 * }
 * ```
 */
export class HoldpointError extends Error {
  readonly code: HoldpointErrorCode
  readonly [brand] = true

  constructor(code: HoldpointErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }

  /** True when `error` is a Holdpoint error, optionally with the given code (and then typed as its class). */
  static is<C extends HoldpointErrorCode = HoldpointErrorCode>(
    error: unknown,
    code?: C,
  ): error is ErrorOfCode<C> {
    return (
      typeof error === 'object' &&
      error !== null &&
      brand in error &&
      (code === undefined || (error as HoldpointError).code === code)
    )
  }
}

/** No run has this id in the store. */
export class RunNotFoundError extends HoldpointError {
  constructor(readonly runId: string) {
    super('RUN_NOT_FOUND', `No run with id "${runId}" exists in this store.`)
  }
}

/** The input names a request the run is not waiting for. */
export class UnknownRequestError extends HoldpointError {
  constructor(
    readonly requestIds: readonly string[],
    readonly awaiting: readonly string[],
  ) {
    super(
      'UNKNOWN_REQUEST',
      `The run is not waiting for ${list(requestIds)}. ` +
        (awaiting.length > 0
          ? `It is waiting for ${list(awaiting)}.`
          : 'It is not waiting for any input.'),
    )
  }
}

/** One failed check of a delivered answer. */
export interface InputIssue {
  requestId: string
  path: readonly PropertyKey[]
  message: string
  code?: string
}

/** A delivered answer does not match the request's schema. Nothing was stored. */
export class InvalidInputError extends HoldpointError {
  constructor(readonly issues: readonly InputIssue[]) {
    super(
      'INVALID_INPUT',
      'The input was rejected and nothing was stored: ' +
        issues
          .map((i) => `${[i.requestId, ...i.path.map(String)].join('.')}: ${i.message}`)
          .join('; '),
    )
  }
}

/** A different answer was delivered to a request that already has one. */
export class AlreadyAnsweredError extends HoldpointError {
  constructor(
    readonly requestId: string,
    readonly answer: JsonValue,
  ) {
    super(
      'ALREADY_ANSWERED',
      `Request "${requestId}" was already answered with a different value; an answer cannot be changed.`,
    )
  }
}

/** Input was delivered to a run that is not waiting for input. */
export class RunNotWaitingError extends HoldpointError {
  constructor(
    readonly runId: string,
    readonly status: WorkflowStatus,
    options?: { cause?: unknown },
  ) {
    super(
      'RUN_NOT_WAITING',
      `Run "${runId}" is ${status}, not waiting for input.` +
        (options?.cause instanceof Error
          ? ` The answer was not stored: ${options.cause.message}`
          : ''),
      options,
    )
  }
}

/** Another writer changed the run first; this writer's progress was discarded. */
export class ConcurrentModificationError extends HoldpointError {
  constructor(readonly runId: string) {
    super(
      'CONCURRENT_MODIFICATION',
      `Run "${runId}" was changed by another writer; this change was discarded. Load the run again to see its current state.`,
    )
  }
}

/** The run was recorded with a workflow version this process does not register. */
export class VersionMismatchError extends HoldpointError {
  constructor(
    readonly workflowId: string,
    readonly version: number,
    readonly registered: readonly number[],
  ) {
    super(
      'VERSION_MISMATCH',
      `The run belongs to workflow "${workflowId}" version ${version}, but this process registers ` +
        (registered.length > 0 ? `only version ${registered.join(', ')}` : 'no version of it') +
        `. Register version ${version} alongside the new one until its runs have finished.`,
    )
  }
}

/** A replayed node asked for different requests or steps than the recorded run. */
export class NondeterminismError extends HoldpointError {
  constructor(
    readonly nodeId: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      'NONDETERMINISM',
      `Node "${nodeId}" replayed differently than it ran: expected ${expected}, got ${actual}. ` +
        'Code before a requestInput or step must ask in the same order on every run; ' +
        'ship changed node code as a new workflow version.',
    )
  }
}

/** No workflow with this id is registered. */
export class WorkflowNotFoundError extends HoldpointError {
  constructor(
    readonly workflowId: string,
    readonly registered: readonly string[],
  ) {
    super(
      'WORKFLOW_NOT_FOUND',
      `No workflow "${workflowId}" is registered. Registered: ${registered.length > 0 ? registered.join(', ') : 'none'}.`,
    )
  }
}

/** Thrown inside a node when a request's deadline passed without an answer or default. */
export class InputTimeoutError extends HoldpointError {
  constructor(
    readonly requestId: string,
    readonly expiresAt: Date,
  ) {
    super(
      'INPUT_TIMEOUT',
      `Request "${requestId}" expired at ${expiresAt.toISOString()} without an answer.`,
    )
  }
}

/** The workflow definition is malformed. */
export class InvalidDefinitionError extends HoldpointError {
  constructor(message: string) {
    super('INVALID_DEFINITION', message)
  }
}

/** A node left the shared state in a shape the workflow's state schema rejects. */
export class InvalidStateError extends HoldpointError {
  constructor(
    readonly nodeId: string,
    readonly issues: readonly { path: readonly PropertyKey[]; message: string }[],
  ) {
    super(
      'INVALID_STATE',
      `Node "${nodeId}" left the state invalid: ` +
        issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; '),
    )
  }
}

/** A value that must be stored is not plain JSON. */
export class NotSerializableError extends HoldpointError {
  constructor(
    readonly what: string,
    readonly path: string,
  ) {
    super(
      'NOT_SERIALIZABLE',
      `${what} must be plain JSON, but ${path} is not (functions, symbols, bigints, class instances and cycles cannot be stored).`,
    )
  }
}

/** A value is larger than the configured limit (`createHoldpoint({ limits })`). */
export class PayloadTooLargeError extends HoldpointError {
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${bytes} bytes of JSON, over the limit of ${limit}. Store large data elsewhere and pass a reference, or raise the limit in createHoldpoint({ limits }).`,
    )
  }
}

/** `ctx.step` was called twice with the same key in one node visit. */
export class StepKeyReusedError extends HoldpointError {
  constructor(
    readonly nodeId: string,
    readonly key: string,
  ) {
    super(
      'STEP_KEY_REUSED',
      `Node "${nodeId}" used step key "${key}" twice in one visit; give each effect its own key.`,
    )
  }
}

/** The run was cancelled while the node was waiting. */
export class RunCancelledError extends HoldpointError {
  constructor(
    readonly runId: string,
    readonly reason: string | undefined,
  ) {
    super('RUN_CANCELLED', `Run "${runId}" was cancelled${reason ? `: ${reason}` : ''}.`)
  }
}

/** `retry()` was called on a run that has not failed. */
export class RunNotFailedError extends HoldpointError {
  constructor(
    readonly runId: string,
    readonly status: WorkflowStatus,
  ) {
    super('RUN_NOT_FAILED', `Run "${runId}" is ${status}; only a failed run can be retried.`)
  }
}

/** The database was migrated by a newer Holdpoint than this one. */
export class SchemaTooNewError extends HoldpointError {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      'SCHEMA_TOO_NEW',
      `The database schema is at version ${databaseVersion}, newer than this Holdpoint understands (${codeVersion}). ` +
        'Upgrade holdpoint in this process instead of running old code against a newer database.',
    )
  }
}

/** The database has not been migrated to the schema this code needs, and auto-migration is off. */
export class SchemaTooOldError extends HoldpointError {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      'SCHEMA_TOO_OLD',
      `The database schema is at version ${databaseVersion}; this Holdpoint needs ${codeVersion}. Run \`holdpoint migrate\` first.`,
    )
  }
}

/** The store was closed. */
export class StoreClosedError extends HoldpointError {
  constructor() {
    super('STORE_CLOSED', 'The store has been closed; create a new Holdpoint to continue.')
  }
}

function list(ids: readonly string[]): string {
  return ids.map((id) => `"${id}"`).join(', ')
}

/** The error class behind each code. */
export interface HoldpointErrorsByCode {
  RUN_NOT_FOUND: RunNotFoundError
  UNKNOWN_REQUEST: UnknownRequestError
  INVALID_INPUT: InvalidInputError
  ALREADY_ANSWERED: AlreadyAnsweredError
  RUN_NOT_WAITING: RunNotWaitingError
  CONCURRENT_MODIFICATION: ConcurrentModificationError
  VERSION_MISMATCH: VersionMismatchError
  NONDETERMINISM: NondeterminismError
  WORKFLOW_NOT_FOUND: WorkflowNotFoundError
  INPUT_TIMEOUT: InputTimeoutError
  INVALID_DEFINITION: InvalidDefinitionError
  INVALID_STATE: InvalidStateError
  NOT_SERIALIZABLE: NotSerializableError
  PAYLOAD_TOO_LARGE: PayloadTooLargeError
  STEP_KEY_REUSED: StepKeyReusedError
  RUN_CANCELLED: RunCancelledError
  RUN_NOT_FAILED: RunNotFailedError
  SCHEMA_TOO_NEW: SchemaTooNewError
  SCHEMA_TOO_OLD: SchemaTooOldError
  STORE_CLOSED: StoreClosedError
}

/** The error class of code `C`. */
export type ErrorOfCode<C extends HoldpointErrorCode> = HoldpointErrorsByCode[C]
