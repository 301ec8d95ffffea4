import type { HoldpointErrorCode } from 'holdpoint'

/**
 * The HTTP status of each engine error code. The caller's request or the run's current state
 * explains every code but the store's: those are 503 (try again later), never 500.
 */
export const statusOfCode: Readonly<Record<HoldpointErrorCode, number>> = {
  RUN_NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  // Well-formed JSON whose content the workflow rejects: unprocessable, not malformed.
  INVALID_INPUT: 422,
  UNKNOWN_REQUEST: 422,
  NOT_SERIALIZABLE: 422,
  INVALID_FORK_POINT: 422,
  INVALID_ARGUMENT: 422,
  INVALID_EXPORT: 422,
  // The same Idempotency-Key with a different body (as the IETF Idempotency-Key draft advises).
  IDEMPOTENCY_CONFLICT: 422,
  ALREADY_ANSWERED: 409,
  RUN_NOT_WAITING: 409,
  CONCURRENT_MODIFICATION: 409,
  RUN_LEASED: 409,
  VERSION_MISMATCH: 409,
  RUN_NOT_FAILED: 409,
  RUN_EXISTS: 409,
  // The run's recorded history and this process's workflow code disagree.
  NONDETERMINISM: 409,
  INVALID_DEFINITION: 409,
  INVALID_STATE: 409,
  STEP_KEY_REUSED: 409,
  INPUT_TIMEOUT: 409,
  RUN_CANCELLED: 409,
  // The server's Holdpoint writes no history (createHoldpoint({ history: false })): events and forks are refused.
  HISTORY_DISABLED: 409,
  PAYLOAD_TOO_LARGE: 413,
  STORE_UNAVAILABLE: 503,
  STORE_CLOSED: 503,
  SCHEMA_TOO_NEW: 503,
  SCHEMA_TOO_OLD: 503,
}

/**
 * The status for an engine error code; 409 for a code this table does not know yet (a newer
 * engine), since every engine error describes a refused operation rather than a server fault.
 *
 * @example
 * ```ts
 * httpStatusOf('RUN_NOT_FOUND') // 404
 * ```
 */
export function httpStatusOf(code: string): number {
  return Object.hasOwn(statusOfCode, code) ? statusOfCode[code as HoldpointErrorCode] : 409
}
