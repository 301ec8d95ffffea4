import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { AppEnv } from '../app-context.js'

const requestIdPattern = /^[\w.:-]{1,100}$/

/**
 * Logs one line per request when its response is ready: request id, method, path (never the
 * query string, which may carry an answer token), route, status, duration, and what the handler
 * noted (run id, request ids, who called). Echoes or assigns `X-Request-Id`.
 *
 * @example
 * ```ts
 * app.use(requestLog(logger))
 * ```
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now()
    const incoming = c.req.header('x-request-id')
    const reqId =
      incoming !== undefined && requestIdPattern.test(incoming) ? incoming : randomUUID()
    c.set('reqId', reqId)
    c.set('fields', {})
    await next()
    c.res.headers.set('x-request-id', reqId)
    const status = c.res.status
    const line = {
      reqId,
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...c.get('fields'),
    }
    if (status >= 500) logger.error(line, 'request failed')
    else logger.info(line, 'request')
  }
}
