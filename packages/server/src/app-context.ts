import type { Context } from 'hono'
import type { Holdpoint } from 'holdpoint'
import type { Logger } from 'pino'
import type { AnswerTokenClaims } from './auth/answer-token.js'
import type { Credentials } from './auth/authenticate.js'
import type { OpenApiDocument } from './openapi/build-openapi.js'

/**
 * The Hono environment of the app: per-request log fields and request id, and the claims of the
 * answer token a request was authorized by.
 *
 * @example
 * ```ts
 * const api: Hono<AppEnv> = createApp(hp, { auth })
 * ```
 */
export interface AppEnv {
  Variables: {
    reqId: string
    fields: Record<string, unknown>
    /** Set when an answer token authorized the request: its errors then tell no more than its request. */
    answerToken?: AnswerTokenClaims
  }
}

/** What every route handler shares: the engine, the credentials and the server's settings. */
export interface AppContext {
  hp: Holdpoint
  credentials: Credentials
  bodyLimitBytes: number
  heartbeatMs: number
  /** Aborts when the server shuts down: event streams end, new requests get 503. */
  signal: AbortSignal
  logger: Logger
  /** This app's OpenAPI document, built on first use: routes and schemas do not change. */
  openApi(): OpenApiDocument
  /** Adds fields to the request's log line (run id, request ids, principal). */
  note(c: Context<AppEnv>, fields: Record<string, unknown>): void
}
