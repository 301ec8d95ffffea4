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
 * Lets pages served from other origins call the API from a browser (CORS), such as an answer page
 * on `https://app.example.com` posting to an API on `https://api.example.com`. Preflights
 * (`OPTIONS` with `Access-Control-Request-Method`) from the listed origins are answered 204, and
 * every response to them, errors and event streams included, carries
 * `Access-Control-Allow-Origin`. Requests from other origins are answered as without this option,
 * with no CORS headers (only `Vary: Origin`, which every response then carries). Checked when the
 * app is made: a malformed value throws an `InvalidOptionError` (a `TypeError`) that says what to
 * pass.
 *
 * @example
 * ```ts
 * const cors: CorsOptions = { origins: ['https://app.example.com'], maxAgeSeconds: 3600 }
 * const api = createApp(hp, { auth, cors })
 * ```
 */
export interface CorsOptions {
  /**
   * The origins allowed, each as browsers send it in `Origin`: scheme, host and port if not the
   * default, no path and no trailing slash (`https://app.example.com`, `http://localhost:5173`).
   * `'*'` allows any origin: then `credentials` cannot be set.
   */
  origins: readonly string[] | '*'
  /**
   * Sends `Access-Control-Allow-Credentials: true`, for pages that call with
   * `credentials: 'include'` (cookies a proxy in front of the API checks). Not needed for
   * `Authorization` headers, which a page sets itself. Default false.
   */
  credentials?: boolean
  /** How long a browser may reuse a preflight's answer, 0 to 86 400 seconds. Default 600. */
  maxAgeSeconds?: number
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
  /**
   * Lets browser pages on the given origins call the API (CORS). Default: none, and `OPTIONS`
   * is answered 404 or 405 like any other method a route lacks.
   *
   * @example
   * ```ts
   * createApp(hp, { auth, cors: { origins: ['https://app.example.com'] } })
   * ```
   */
  cors?: CorsOptions
}
