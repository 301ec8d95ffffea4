import type { Handler } from 'hono'
import type { AppEnv } from '../app-context.js'
import { appPath, mountPoint } from './app-path.js'
import { HttpError } from './http-error.js'
import type { Route } from './route.js'

/**
 * The handler for a request no route took, to register last under every path (`/*`): 405
 * `METHOD_NOT_ALLOWED` with `Allow` when a route has the path with other methods, else 404
 * `NOT_FOUND`. A route, not `app.notFound`: Hono ignores a mounted app's `notFound`, and this
 * keeps both answers JSON under any prefix.
 *
 * @example
 * ```ts
 * app.all('/*', unmatchedRoute(apiRoutes))
 * ```
 */
export function unmatchedRoute(routes: readonly Route[]): Handler<AppEnv> {
  const patterns = routes.map(({ spec }) => ({
    method: spec.method.toUpperCase(),
    // Exactly as Hono matches the route: a parameter is one non-empty segment, and no trailing
    // slash (the app's routes are strict).
    pattern: new RegExp(
      `^${spec.path
        .split(/\{\w+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+')}$`,
    ),
  }))
  const allowedAt = (path: string): string[] => {
    const methods = new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method))
    if (methods.has('GET')) methods.add('HEAD') // Hono answers HEAD wherever GET is routed
    return [...methods]
  }
  return (c) => {
    const path = appPath(c)
    const allowed = allowedAt(path)
    if (allowed.length > 0) {
      throw new HttpError(
        405,
        'METHOD_NOT_ALLOWED',
        `${c.req.path} accepts ${allowed.join(', ')}, not ${c.req.method}.`,
        undefined,
        { allow: allowed.join(', ') },
      )
    }
    const trimmed = path.replace(/\/+$/, '')
    const hint =
      trimmed !== path && allowedAt(trimmed).length > 0
        ? ` Did you mean ${c.req.path.replace(/\/+$/, '')}, without the trailing slash?`
        : ` GET ${mountPoint(c)}/openapi.json lists the routes.`
    throw new HttpError(404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path}.${hint}`)
  }
}
