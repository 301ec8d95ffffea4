import { HoldpointError } from 'holdpoint'
import type { AnswerTokenClaims } from '../auth/answer-token.js'
import { httpStatusOf } from './error-status.js'
import { HttpError, type ErrorBody } from './http-error.js'
import { storeErrorMessage } from './store-error-message.js'
import { tokenScopedError } from './token-scoped-error.js'

/** What an error becomes on the wire. */
export interface ErrorReply {
  status: number
  body: ErrorBody
  headers: Record<string, string>
  /** True for errors the server did not expect: they are logged with their stack. */
  unexpected: boolean
}

/** Typed fields of engine errors that are safe and useful to send back, by code. */
const detailFields: Readonly<Record<string, readonly string[]>> = {
  RUN_NOT_FOUND: ['runId'],
  WORKFLOW_NOT_FOUND: ['workflowId', 'registered'],
  UNKNOWN_REQUEST: ['requestIds', 'awaiting'],
  INVALID_INPUT: ['issues'],
  // Not the stored answer: an answer link's holder must not read what someone else answered.
  ALREADY_ANSWERED: ['requestId'],
  RUN_NOT_WAITING: ['runId', 'status'],
  RUN_NOT_FAILED: ['runId', 'status'],
  RUN_LEASED: ['runId', 'until'],
  VERSION_MISMATCH: ['workflowId', 'version', 'registered'],
  NOT_SERIALIZABLE: ['what', 'path'],
  PAYLOAD_TOO_LARGE: ['what', 'bytes', 'limit'],
  CONCURRENT_MODIFICATION: ['runId'],
  INVALID_FORK_POINT: ['runId', 'at', 'reason'],
  INVALID_ARGUMENT: ['argument', 'expected'],
  IDEMPOTENCY_CONFLICT: ['idempotencyKey', 'runId'],
}

/**
 * Turns any thrown value into a response: `HttpError`s as they are, engine errors by their code
 * (see `httpStatusOf`), anything else as a generic 500 that reveals nothing. Store errors (503)
 * keep their code but say nothing of their cause, which the log records. For a request
 * authorized by an answer token (`answerToken`, its claims), an engine error keeps its code,
 * status and headers but tells no more than the token's one request (see `tokenScopedError`).
 *
 * @example
 * ```ts
 * const reply = errorReply(new RunNotFoundError('x')) // { status: 404, body: { error: { code: 'RUN_NOT_FOUND', … } } }
 * const scoped = errorReply(error, c.get('answerToken'))
 * ```
 */
export function errorReply(error: unknown, answerToken?: AnswerTokenClaims): ErrorReply {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: error.body(),
      headers: { ...error.headers },
      unexpected: false,
    }
  }
  if (HoldpointError.is(error)) {
    const status = httpStatusOf(error.code)
    const headers: Record<string, string> = {}
    if (status === 503) headers['retry-after'] = '1'
    if (HoldpointError.is(error, 'RUN_LEASED')) {
      const seconds = Math.ceil((error.until.getTime() - Date.now()) / 1000)
      headers['retry-after'] = String(Math.min(Math.max(seconds, 1), 3600))
    }
    const details = detailsOf(error)
    const message = status === 503 ? storeErrorMessage(error.code) : error.message
    const full = { code: error.code, message, ...(details ? { details } : {}) }
    return {
      status,
      body: { error: answerToken ? tokenScopedError(full, answerToken) : full },
      headers,
      // A store that cannot be reached is worth a log line with its cause.
      unexpected: status === 503,
    }
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'The server failed to handle this request.' } },
    headers: {},
    unexpected: true,
  }
}

function detailsOf(error: HoldpointError): Record<string, unknown> | undefined {
  const fields = Object.hasOwn(detailFields, error.code) ? detailFields[error.code] : undefined
  if (!fields) return undefined
  const source = error as unknown as Record<string, unknown>
  const details: Record<string, unknown> = {}
  for (const field of fields) {
    if (source[field] !== undefined) details[field] = jsonSafe(source[field])
  }
  return Object.keys(details).length > 0 ? details : undefined
}

/** Issue paths may hold symbols; dates become ISO strings. */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'symbol') return value.toString()
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]))
  }
  return value
}
