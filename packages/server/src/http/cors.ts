import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-context.js'
import type { CorsPolicy } from './cors-policy.js'

// Every method and request header a route reads; a preflight's answer is the same for all paths.
const allowedMethods = 'GET, HEAD, POST'
const allowedHeaders = 'authorization, content-type, idempotency-key, last-event-id, x-request-id'
// Beyond the headers a page may always read: when to try again, and the id to quote in a report.
const exposedHeaders = 'retry-after, x-request-id'

/**
 * CORS for the origins `policy` allows: answers their preflights with 204 and the methods and
 * headers the API accepts, and adds `Access-Control-Allow-Origin` to every other response to
 * them, including errors, 404s, 405s and event streams (the headers are set once the handler's
 * response exists). Requests from other origins, and without `Origin`, pass untouched but for
 * `Vary: Origin`. Register it before the routes.
 *
 * Not Hono's `cors()`: that answers every `OPTIONS` with 204 and sends `Allow-Methods`,
 * `Max-Age` and `Allow-Credentials` whatever the origin; here an origin not allowed gets the
 * answer it would get without CORS.
 *
 * @example
 * ```ts
 * app.use(corsHeaders(corsPolicy({ origins: ['https://app.example.com'] })))
 * ```
 */
export function corsHeaders(policy: CorsPolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin')
    const allowOrigin = origin === undefined ? undefined : policy.allowOrigin(origin)
    if (allowOrigin !== undefined && isPreflight(c)) {
      return c.body(null, 204, {
        ...originHeaders(allowOrigin, policy),
        'access-control-allow-methods': allowedMethods,
        'access-control-allow-headers': allowedHeaders,
        'access-control-max-age': String(policy.maxAgeSeconds),
        vary: 'Origin',
      })
    }
    await next()
    // A cache keyed without Origin would hand the answer made for one origin (or none) to another.
    c.res.headers.append('vary', 'Origin')
    if (allowOrigin === undefined) return
    for (const [name, value] of Object.entries(originHeaders(allowOrigin, policy))) {
      c.res.headers.set(name, value)
    }
    c.res.headers.set('access-control-expose-headers', exposedHeaders)
  }
}

function isPreflight(c: Context): boolean {
  return c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined
}

function originHeaders(allowOrigin: string, policy: CorsPolicy): Record<string, string> {
  return {
    'access-control-allow-origin': allowOrigin,
    ...(policy.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
  }
}
