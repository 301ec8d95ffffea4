import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'

/**
 * What an answer token allows: answering one request of one run, until it expires.
 *
 * @example
 * ```ts
 * const claims: AnswerTokenClaims = {
 *   runId, requestId: 'approve', visit: 1, expiresAt: new Date(Date.now() + 86_400_000), subject: 'ana@example.com',
 * }
 * ```
 */
export interface AnswerTokenClaims {
  runId: string
  requestId: string
  /**
   * The node visit the answer is for (`awaitingInput[].visit`). Give it: in a loop a node asks
   * under the same request ID on every visit, and without it the token answers whichever visit
   * is open.
   */
  visit?: number
  expiresAt: Date
  /** Who the link was made for, such as an email address: recorded as who answered. */
  subject?: string
}

/**
 * Why a token was refused.
 *
 * @example
 * ```ts
 * const result = verifyAnswerToken(token, [secret])
 * if (!result.ok && result.reason === 'expired') askForANewLink()
 * ```
 */
export type TokenRefusal = 'malformed' | 'bad-signature' | 'expired'

const prefix = 'hp1'
const maxTokenLength = 2048
const minSecretLength = 32

const payloadSchema = z.strictObject({
  r: z.string().min(1).max(200),
  q: z.string().min(1).max(200),
  v: z.number().int().positive().optional(),
  e: z.number().int().nonnegative(),
  s: z.string().max(200).optional(),
})

/**
 * Signs an answer token (HMAC-SHA256 over its claims) that lets whoever holds it answer exactly
 * one request of one run, without an API key, until `expiresAt`. The claims are readable by the
 * holder; only the signature is secret. `secret` must be at least 32 characters and is the
 * server's `auth.answerLinkSecret`.
 *
 * @example
 * ```ts
 * const token = signAnswerToken(
 *   { runId, requestId: 'approve', visit: 1, expiresAt: new Date(Date.now() + 86_400_000), subject: 'ana@example.com' },
 *   process.env.HOLDPOINT_ANSWER_LINK_SECRET ?? '',
 * )
 * await fetch(`${api}/runs/${runId}/input`, {
 *   method: 'POST',
 *   headers: { authorization: `AnswerToken ${token}`, 'content-type': 'application/json' },
 *   body: JSON.stringify({ answers: { approve: { approved: true, note: 'ok' } } }),
 * })
 * ```
 */
export function signAnswerToken(claims: AnswerTokenClaims, secret: string): string {
  checkSecret(secret)
  const expires = claims.expiresAt.getTime()
  if (!Number.isSafeInteger(expires) || expires < 0) {
    throw new TypeError('expiresAt must be a valid date.')
  }
  const payload = payloadSchema.parse({
    r: claims.runId,
    q: claims.requestId,
    ...(claims.visit === undefined ? {} : { v: claims.visit }),
    e: expires,
    ...(claims.subject === undefined ? {} : { s: claims.subject }),
  })
  const body = `${prefix}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`
  return `${body}.${signature(body, secret).toString('base64url')}`
}

/**
 * A link to your own answer page carrying a signed token as its `token` query parameter. The page
 * reads the request with `GET /answer-link?token=…` and posts the answer to
 * `POST /runs/{runId}/input` with `Authorization: AnswerToken <token>`.
 *
 * @example
 * ```ts
 * const link = createAnswerLink('https://app.example.com/answer', {
 *   runId, requestId: 'approve', visit: 1, expiresAt: new Date(Date.now() + 3 * 86_400_000), subject: 'ana@example.com',
 * }, secret)
 * // https://app.example.com/answer?token=hp1.eyJy….Q2x…
 * ```
 */
export function createAnswerLink(
  baseUrl: string | URL,
  claims: AnswerTokenClaims,
  secret: string,
): string {
  const url = new URL(baseUrl)
  url.searchParams.set('token', signAnswerToken(claims, secret))
  return url.toString()
}

/**
 * Checks a token against the secrets (the first signs new tokens elsewhere; the others are
 * accepted during a rotation) and the clock. Signatures are compared in constant time.
 *
 * @example
 * ```ts
 * const result = verifyAnswerToken(token, [secret])
 * if (result.ok) console.log(result.claims.runId, result.claims.requestId)
 * ```
 */
export function verifyAnswerToken(
  token: string,
  secrets: readonly string[],
  now: Date = new Date(),
): { ok: true; claims: AnswerTokenClaims } | { ok: false; reason: TokenRefusal } {
  if (token.length > maxTokenLength) return { ok: false, reason: 'malformed' }
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== prefix) return { ok: false, reason: 'malformed' }
  const [, encoded = '', sent = ''] = parts
  if (!/^[\w-]+$/.test(encoded) || !/^[\w-]+$/.test(sent)) return { ok: false, reason: 'malformed' }
  const presented = Buffer.from(sent, 'base64url')
  // Decoding ignores the unused low bits of the last character, so four strings decode to one
  // signature: only the one signAnswerToken writes counts. Compared with the token's own
  // re-encoding, never with the expected signature, whose comparison stays constant-time.
  const canonical = presented.toString('base64url') === sent
  const body = `${prefix}.${encoded}`
  let valid = false
  for (const secret of secrets) {
    const expected = signature(body, secret)
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) valid = true
  }
  valid &&= canonical
  if (!valid) return { ok: false, reason: 'bad-signature' }
  let payload: z.output<typeof payloadSchema>
  try {
    payload = payloadSchema.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')))
  } catch {
    // Signed by us but unreadable: only a different token format could do this.
    return { ok: false, reason: 'malformed' }
  }
  if (payload.e <= now.getTime()) return { ok: false, reason: 'expired' }
  return {
    ok: true,
    claims: {
      runId: payload.r,
      requestId: payload.q,
      ...(payload.v === undefined ? {} : { visit: payload.v }),
      expiresAt: new Date(payload.e),
      ...(payload.s === undefined ? {} : { subject: payload.s }),
    },
  }
}

/**
 * Throws a `TypeError` unless `secret` is long enough to sign answer tokens.
 *
 * @example
 * ```ts
 * checkSecret(randomBytes(32).toString('base64url'))
 * ```
 */
export function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < minSecretLength) {
    throw new TypeError(
      `An answer link secret must be a string of at least ${minSecretLength} characters.`,
    )
  }
}

function signature(body: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(body, 'utf8').digest()
}
