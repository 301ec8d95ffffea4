import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Holdpoint } from 'holdpoint'
import { pino } from 'pino'
import type { AppContext, AppEnv } from './app-context.js'
import type { AppOptions } from './app-options.js'
import { checkSecret } from './auth/answer-token.js'
import { ApiKeyring } from './auth/api-keys.js'
import { appPath } from './http/app-path.js'
import { corsHeaders } from './http/cors.js'
import { corsPolicy } from './http/cors-policy.js'
import { errorReply } from './http/error-response.js'
import { HttpError } from './http/http-error.js'
import { unmatchedRoute } from './http/unmatched-route.js'
import { InvalidOptionError } from './invalid-option-error.js'
import { createLogger, serverLogger } from './logging/logger.js'
import { requestLog } from './logging/request-log.js'
import { openApiDocument, type OpenApiDocument } from './openapi/build-openapi.js'
import { health } from './routes/health-route.js'
import { apiRoutes } from './routes/index.js'

const defaults = { bodyLimitBytes: 2 * 1024 * 1024, heartbeatMs: 15_000 }

/**
 * The Holdpoint HTTP API as a Hono app, for `serve()` or to mount in your own server. Routes:
 * `GET /workflows`, `POST /workflows/{id}/runs`, `GET /runs`, `GET /runs/{id}`,
 * `POST /runs/{id}/input|cancel|retry|fork`, `GET /runs/{id}/events` (Server-Sent Events),
 * `GET /answer-link`, `GET /healthz` and `GET /openapi.json`. Any other path under the app's
 * prefix is a JSON 404, or 405 with `Allow`, also when mounted: register routes of your own under
 * that prefix before mounting it. Throws a `TypeError` for malformed options (a key without
 * scopes, a short secret; an `InvalidOptionError` for numbers and `cors`). With `cors`, browser
 * pages on the listed origins may call it too.
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
      throw new InvalidOptionError(name, 'a positive integer', value)
    }
  }
  const cors = options.cors === undefined ? undefined : corsPolicy(options.cors)
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
  // Before the shutdown check and the routes, so that their errors carry the CORS headers too.
  if (cors) app.use(corsHeaders(cors))
  app.use(async (c, next) => {
    // The health check answers for itself: load balancers read its body to stop sending traffic.
    if (!signal.aborted || appPath(c) === health.spec.path) return next()
    throw new HttpError(503, 'SHUTTING_DOWN', 'The server is shutting down.', undefined, {
      'retry-after': '1',
      connection: 'close',
    })
  })
  for (const route of apiRoutes) {
    app.on(route.spec.method.toUpperCase(), honoPath(route.spec.path), (c) => route.run(c, context))
  }
  app.all('/*', unmatchedRoute(apiRoutes))
  app.onError((error, c) => {
    const reply = errorReply(error, c.get('answerToken'))
    if (reply.unexpected) logger.error({ reqId: c.get('reqId'), err: error }, 'request error')
    for (const [name, value] of Object.entries(reply.headers)) c.header(name, value)
    return c.json(reply.body, reply.status as ContentfulStatusCode)
  })
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
