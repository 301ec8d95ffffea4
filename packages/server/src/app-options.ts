import type { Logger } from 'pino'
import type { ApiKey } from './auth/api-keys.js'

/**
 * Who may call the API.
 *
 * @example
 * ```ts
 * const auth: AuthOptions = {
 *   keys: [{ name: 'backend', key: process.env.HOLDPOINT_KEY ?? '', scopes: ['admin'] }],
 *   answerLinkSecret: process.env.HOLDPOINT_ANSWER_LINK_SECRET,
 * }
 * ```
 */
export interface AuthOptions {
  /** The API keys accepted as `Authorization: Bearer <key>`, each with its scopes. */
  keys: readonly ApiKey[]
  /**
   * The secret answer tokens are signed with (`signAnswerToken`), at least 32 characters. A list
   * accepts tokens signed with any of them, for rotating the secret. Without it, answer tokens
   * are refused.
   */
  answerLinkSecret?: string | readonly string[]
}

/**
 * Options of `createApp`.
 *
 * @example
 * ```ts
 * const options: AppOptions = { auth, logger: pino({ level: 'warn' }), bodyLimitBytes: 512 * 1024 }
 * ```
 */
export interface AppOptions {
  auth: AuthOptions
  /** A pino logger to log to (the server logs through a child of it), or `false` for silence. Default: JSON lines on stdout. */
  logger?: Logger | false
  /** The largest request body accepted, in bytes (413 beyond). Default 2 MiB. */
  bodyLimitBytes?: number
  /** How long an event stream may stay silent before a comment line is sent. Default 15 000 ms. */
  heartbeatMs?: number
  /** Aborting it shuts the API down: event streams end, new requests get 503 (`serve` does this on `close()`). */
  signal?: AbortSignal
  /** The clock answer tokens expire by. */
  now?: () => Date
  /** `info` of the OpenAPI document. */
  info?: { title?: string; version?: string; description?: string }
}
