import type { HoldpointErrorCode } from 'holdpoint'
import type { AnswerTokenClaims } from '../auth/answer-token.js'
import { httpStatusOf } from './error-status.js'
import type { ErrorBody } from './http-error.js'

type ErrorFields = ErrorBody['error']
type Details = Record<string, unknown>

/** How an engine error reads to a token's holder: its message, and the details it may keep. */
interface TokenScopedView {
  message(request: string): string
  details?(claims: AnswerTokenClaims, full: Details): Details
}

/**
 * Errors that describe only the answer the holder sent (its schema issues, its size), which the
 * answer page shows next to its form: they are answered as they are.
 */
const aboutOwnAnswer: ReadonlySet<string> = new Set<HoldpointErrorCode>([
  'INVALID_INPUT',
  'PAYLOAD_TOO_LARGE',
  'NOT_SERIALIZABLE',
])

// Details come from the claims where they name the run or the request, never from the engine's
// error: those fields describe the whole run (every request it awaits, the owner of its lease).
const views: Readonly<Partial<Record<HoldpointErrorCode, TokenScopedView>>> = {
  RUN_NOT_FOUND: {
    message: (request) => `The run that asked for ${request} no longer exists.`,
    details: (claims) => ({ runId: claims.runId }),
  },
  UNKNOWN_REQUEST: {
    message: (request) => `The run is not waiting for ${request}.`,
    details: (claims) => ({ requestIds: [claims.requestId] }),
  },
  RUN_NOT_WAITING: {
    message: (request) => `The run is no longer waiting for ${request}.`,
    details: (claims, full) => ({ runId: claims.runId, status: full.status }),
  },
  ALREADY_ANSWERED: {
    message: (request) =>
      `Request ${request} was already answered with a different value; an answer cannot be changed.`,
    details: (claims) => ({ requestId: claims.requestId }),
  },
  RUN_LEASED: {
    message: (request) =>
      `The run is busy in another process: send the answer to ${request} again after Retry-After.`,
    details: (claims, full) => ({ runId: claims.runId, until: full.until }),
  },
  CONCURRENT_MODIFICATION: {
    message: (request) =>
      `The run changed while the answer to ${request} was taken, and the answer was discarded: send it again.`,
    details: (claims) => ({ runId: claims.runId }),
  },
  VERSION_MISMATCH: {
    message: (request) => `This server cannot run the workflow that asked for ${request}.`,
  },
}

const refused: TokenScopedView = {
  message: (request) => `The run cannot take the answer to ${request}.`,
}

/**
 * An engine error as the holder of an answer token may read it. The token is scoped to one
 * request of one run, while the engine's message and details describe the run as a whole: the
 * other requests it waits for, the error its node threw when a delivery replayed it, the process
 * holding its lease. The code stays (and with it the HTTP status); the message names only the
 * token's request, and the details keep only what concerns it.
 *
 * @example
 * ```ts
 * tokenScopedError({ code: 'UNKNOWN_REQUEST', message: '… It is waiting for "legal".', details }, claims)
 * // { code: 'UNKNOWN_REQUEST', message: 'The run is not waiting for "approve".', details: { requestIds: ['approve'] } }
 * ```
 */
export function tokenScopedError(full: ErrorFields, claims: AnswerTokenClaims): ErrorFields {
  // A store error (503) reaches here worded by its code alone (`errorReply`): nothing to narrow.
  if (aboutOwnAnswer.has(full.code) || httpStatusOf(full.code) === 503) return full
  const view = viewOf(full.code)
  const details = view.details?.(claims, full.details ?? {})
  return {
    code: full.code,
    message: view.message(JSON.stringify(claims.requestId)),
    ...(details ? { details: withoutUndefined(details) } : {}),
  }
}

function viewOf(code: string): TokenScopedView {
  return (Object.hasOwn(views, code) ? views[code as HoldpointErrorCode] : undefined) ?? refused
}

function withoutUndefined(details: Details): Details {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined))
}
