import type {
  UnknownRequestError,
  InvalidInputError,
  AlreadyAnsweredError,
  RunNotWaitingError,
  InputTimeoutError,
  NondeterminismError,
} from './delivery-errors.js'
import type {
  RunNotFoundError,
  ConcurrentModificationError,
  VersionMismatchError,
  WorkflowNotFoundError,
  RunCancelledError,
  RunNotFailedError,
  RunLeasedError,
} from './run-errors.js'
import type {
  InvalidDefinitionError,
  InvalidStateError,
  NotSerializableError,
  PayloadTooLargeError,
  StepKeyReusedError,
} from './definition-errors.js'
import type {
  InvalidArgumentError,
  InvalidForkPointError,
  IdempotencyConflictError,
  RunExistsError,
  InvalidExportError,
  HistoryDisabledError,
} from './history-errors.js'
import type {
  SchemaTooNewError,
  SchemaTooOldError,
  StoreUnavailableError,
  StoreClosedError,
} from './store-errors.js'

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
  | 'STORE_UNAVAILABLE'
  | 'RUN_LEASED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_FORK_POINT'
  | 'IDEMPOTENCY_CONFLICT'
  | 'RUN_EXISTS'
  | 'INVALID_EXPORT'
  | 'HISTORY_DISABLED'

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
  STORE_UNAVAILABLE: StoreUnavailableError
  RUN_LEASED: RunLeasedError
  INVALID_ARGUMENT: InvalidArgumentError
  INVALID_FORK_POINT: InvalidForkPointError
  IDEMPOTENCY_CONFLICT: IdempotencyConflictError
  RUN_EXISTS: RunExistsError
  INVALID_EXPORT: InvalidExportError
  HISTORY_DISABLED: HistoryDisabledError
}

/** The error class of code `C`. */
export type ErrorOfCode<C extends HoldpointErrorCode> = HoldpointErrorsByCode[C]
