import type { Context } from 'hono'
import { basePath } from 'hono/route'

/**
 * The prefix the app is mounted under as this request matched it (`/holdpoint` for
 * `new Hono().route('/holdpoint', api)`, with any parameters of the prefix filled in), or `''`
 * when the app serves on its own.
 *
 * @example
 * ```ts
 * const openApiUrl = `${mountPoint(c)}/openapi.json`
 * ```
 */
export function mountPoint(c: Context): string {
  const base = basePath(c).replace(/\/+$/, '')
  return c.req.path.startsWith(base) ? base : ''
}

/**
 * The request's path as the app's own routes see it: `c.req.path` without the prefix the app is
 * mounted under (mounted at `/holdpoint`, `/holdpoint/runs` is `/runs`).
 *
 * @example
 * ```ts
 * app.use(async (c, next) => (appPath(c) === '/healthz' ? next() : refuse()))
 * ```
 */
export function appPath(c: Context): string {
  return c.req.path.slice(mountPoint(c).length) || '/'
}
