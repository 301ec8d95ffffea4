import { HttpError } from '../http/http-error.js'
import { verifyAnswerToken, type AnswerTokenClaims } from './answer-token.js'
import type { ApiKeyring, Scope } from './api-keys.js'

/** Who is calling: an API key's holder, or the holder of an answer token. */
export type Principal =
  | { kind: 'key'; name: string; scopes: ReadonlySet<Scope> }
  | { kind: 'token'; claims: AnswerTokenClaims }
  | { kind: 'anonymous' }

/** Who may call a route: anyone, a key with a scope, and whether an answer token also does. */
export type Access =
  { public: true } | { scope: Scope; token?: 'also' } | { scope?: undefined; token: 'only' }

/** What authentication checks against. */
export interface Credentials {
  keys: ApiKeyring
  /** Empty: answer tokens are refused. */
  secrets: readonly string[]
  now: () => Date
}

const challenge = { 'www-authenticate': 'Bearer realm="holdpoint"' }

/**
 * Finds the caller of a request and checks it against the route's access: `Authorization:
 * Bearer <key>`, or an answer token as `Authorization: AnswerToken <token>` or `?token=`.
 * Throws 401 (`UNAUTHORIZED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`) or 403 (`FORBIDDEN`).
 *
 * @example
 * ```ts
 * const who = authenticate(c.req.header('authorization'), c.req.query('token'), { scope: 'read' }, credentials)
 * ```
 */
export function authenticate(
  authorization: string | undefined,
  queryToken: string | undefined,
  access: Access,
  credentials: Credentials,
): Principal {
  if ('public' in access) return { kind: 'anonymous' }
  const [scheme = '', ...rest] = (authorization ?? '').trim().split(/\s+/)
  const value = rest.join(' ')
  const kind = scheme.toLowerCase()
  // A token in the query counts where no API key is sent, and always where only tokens do.
  const queryCounts =
    queryToken !== undefined && (authorization === undefined || access.token === 'only')
  if (kind === 'answertoken' || queryCounts) {
    const token = kind === 'answertoken' ? value : (queryToken ?? '')
    if (access.token === undefined) {
      throw new HttpError(
        403,
        'FORBIDDEN',
        'An answer token only answers the request it was made for.',
      )
    }
    return { kind: 'token', claims: checkToken(token, credentials) }
  }
  if (access.token === 'only') {
    throw new HttpError(401, 'INVALID_TOKEN', 'This endpoint needs an answer token (?token=…).')
  }
  if (authorization === undefined) {
    throw new HttpError(
      401,
      'UNAUTHORIZED',
      'Send an API key: Authorization: Bearer <key>.',
      undefined,
      challenge,
    )
  }
  if (kind !== 'bearer' || value === '' || rest.length !== 1) {
    throw new HttpError(
      401,
      'UNAUTHORIZED',
      'Use Authorization: Bearer <key> or AnswerToken <token>.',
      undefined,
      challenge,
    )
  }
  const holder = credentials.keys.match(value)
  if (!holder) {
    throw new HttpError(401, 'UNAUTHORIZED', 'The API key is not valid.', undefined, challenge)
  }
  if (!holder.scopes.has(access.scope)) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      `The key "${holder.name}" lacks the "${access.scope}" scope.`,
    )
  }
  return { kind: 'key', name: holder.name, scopes: holder.scopes }
}

function checkToken(token: string, credentials: Credentials): AnswerTokenClaims {
  if (credentials.secrets.length === 0) {
    throw new HttpError(401, 'INVALID_TOKEN', 'This server does not accept answer tokens.')
  }
  const result = verifyAnswerToken(token, credentials.secrets, credentials.now())
  if (result.ok) return result.claims
  if (result.reason === 'expired') {
    throw new HttpError(401, 'TOKEN_EXPIRED', 'The answer link has expired.')
  }
  throw new HttpError(401, 'INVALID_TOKEN', 'The answer token is not valid.')
}

/**
 * The name recorded as who answered (`run(answers, { by })`): the key's name, or the token's
 * subject (`answer-link` without one).
 *
 * @example
 * ```ts
 * answeredBy({ kind: 'key', name: 'inbox-ui', scopes: new Set(['answer']) }) // 'inbox-ui'
 * ```
 */
export function answeredBy(principal: Principal): string | undefined {
  if (principal.kind === 'key') return principal.name
  if (principal.kind === 'token') return principal.claims.subject ?? 'answer-link'
  return undefined
}
