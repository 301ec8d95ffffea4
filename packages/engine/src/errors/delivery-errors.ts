import type { WorkflowStatus } from '../status.js'
import type { JsonValue } from '../json.js'
import { HoldpointError } from './holdpoint-error.js'

// Errors of delivering answers and of replaying what was asked.

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

function list(ids: readonly string[]): string {
  return ids.map((id) => `"${id}"`).join(', ')
}
