import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Holdpoint } from 'holdpoint'
import { pino } from 'pino'
import type { AppContext, AppEnv } from './app-context.js'
import type { AppOptions } from './app-options.js'
import { checkSecret } from './auth/answer-token.js'
import { ApiKeyring } from './auth/api-keys.js'
import { errorReply } from './http/error-response.js'
import { HttpError } from './http/http-error.js'
import { createLogger, serverLogger } from './logging/logger.js'
import { requestLog } from './logging/request-log.js'
import { openApiDocument, type OpenApiDocument } from './openapi/build-openapi.js'
import { apiRoutes } from './routes/index.js'

const defaults = { bodyLimitBytes: 2 * 1024 * 1024, heartbeatMs: 15_000 }

/**
 * The Holdpoint HTTP API as a Hono app, for `serve()` or to mount in your own server. Routes:
 * `GET /workflows`, `POST /workflows/{id}/runs`, `GET /runs`, `GET /runs/{id}`,
 * `POST /runs/{id}/input|cancel|retry|fork`, `GET /runs/{id}/events` (Server-Sent Events),
 * `GET /answer-link`, `GET /healthz` and `GET /openapi.json`. Throws a `TypeError` for malformed
 * options (a key without scopes, a short secret).
 *
 * @example
 * ```ts
 * import { serve as serveNode } from '@hono/node-server'
 * import { Hono } from 'hono'
 *
 * const api = createApp(hp, {
 *   auth: { keys: [{ name: 'backend', key: process.env.HOLDPOINT_KEY ?? '', scopes: ['admin'] }] },
 * })
 * const site = new Hono().route('/holdpoint', api)
 * serveNode({ fetch: site.fetch, port: 3000 })
 * ```
 */
export function createApp(hp: Holdpoint, options: AppOptions): Hono<AppEnv> {
  const secrets = secretsOf(options.auth.answerLinkSecret)
  const logger =
    options.logger === false
      ? pino({ enabled: false })
      : options.logger
        ? serverLogger(options.logger)
        : createLogger()
  const bodyLimitBytes = options.bodyLimitBytes ?? defaults.bodyLimitBytes
  const heartbeatMs = options.heartbeatMs ?? defaults.heartbeatMs
  for (const [name, value] of Object.entries({ bodyLimitBytes, heartbeatMs })) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`${name} must be a positive integer.`)
    }
  }
  const signal = options.signal ?? new AbortController().signal
  let openApi: OpenApiDocument | undefined
  const context: AppContext = {
    hp,
    credentials: {
      keys: new ApiKeyring(options.auth.keys),
      secrets,
      now: options.now ?? (() => new Date()),
    },
    bodyLimitBytes,
    heartbeatMs,
    signal,
    logger,
    openApi: () => (openApi ??= openApiDocument(options.info ?? {})),
    note: (c, fields) => Object.assign(c.get('fields'), fields),
  }

  const app = new Hono<AppEnv>()
  app.use(requestLog(logger))
  app.use(async (c, next) => {
    if (!signal.aborted) return next()
    throw new HttpError(503, 'SHUTTING_DOWN', 'The server is shutting down.', undefined, {
      'retry-after': '1',
      connection: 'close',
    })
  })
  for (const route of apiRoutes) {
    app.on(route.spec.method.toUpperCase(), honoPath(route.spec.path), (c) => route.run(c, context))
  }
  const sendError = (c: Context<AppEnv>, error: unknown): Response => {
    const reply = errorReply(error)
    if (reply.unexpected) logger.error({ reqId: c.get('reqId'), err: error }, 'request error')
    for (const [name, value] of Object.entries(reply.headers)) c.header(name, value)
    return c.json(reply.body, reply.status as ContentfulStatusCode)
  }
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path)
    if (allowed.length === 0) {
      return sendError(
        c,
        new HttpError(404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path}.`),
      )
    }
    const message = `${c.req.path} accepts ${allowed.join(', ')}.`
    const headers = { allow: allowed.join(', ') }
    return sendError(c, new HttpError(405, 'METHOD_NOT_ALLOWED', message, undefined, headers))
  })
  app.onError((error, c) => sendError(c, error))
  return app
}

function secretsOf(secret: string | readonly string[] | undefined): string[] {
  const secrets = secret === undefined ? [] : typeof secret === 'string' ? [secret] : [...secret]
  for (const s of secrets) checkSecret(s)
  return secrets
}

function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1')
}

const routePatterns = apiRoutes.map(({ spec }) => ({
  method: spec.method.toUpperCase(),
  pattern: new RegExp(`^${spec.path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}/?$`),
}))

function allowedMethods(path: string): string[] {
  return [...new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method))]
}
