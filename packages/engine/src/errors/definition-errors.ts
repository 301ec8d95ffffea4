import { HoldpointError } from './holdpoint-error.js'

// Errors in what a workflow defines or a node produces.

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
    reason = 'functions, symbols, bigints, class instances and cycles cannot be stored',
  ) {
    super('NOT_SERIALIZABLE', `${what} must be plain JSON, but ${path} is not: ${reason}.`)
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
