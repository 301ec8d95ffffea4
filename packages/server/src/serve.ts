import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { Hono } from 'hono'
import type { Holdpoint } from 'holdpoint'
import type { AppEnv } from './app-context.js'
import type { AppOptions } from './app-options.js'
import { createApp } from './create-app.js'

/**
 * Options of `serve`: the app's, and where to listen.
 *
 * @example
 * ```ts
 * const options: ServeOptions = { auth, port: 8787, host: '0.0.0.0', closeHoldpoint: true }
 * ```
 */
export interface ServeOptions extends Omit<AppOptions, 'signal'> {
  /** Default 8787; 0 picks a free port (see `RunningServer.port`). */
  port?: number
  /** Default `127.0.0.1`; `0.0.0.0` listens on every interface. */
  host?: string
  /** Close `hp` when the server closes, for a `Holdpoint` made only for the server. Default false. */
  closeHoldpoint?: boolean
  /** How long `close()` waits for requests in progress before cutting their connections. Default 10 000 ms. */
  shutdownGraceMs?: number
}

/**
 * A listening server.
 *
 * @example
 * ```ts
 * const server: RunningServer = await serve(hp, { auth, port: 0 })
 * console.log(server.url) // http://127.0.0.1:41873
 * await server.close()
 * ```
 */
export interface RunningServer {
  /** Such as `http://127.0.0.1:8787`. */
  url: string
  port: number
  host: string
  app: Hono<AppEnv>
  server: Server
  /**
   * Shuts down gracefully: stops accepting connections, ends the event streams, answers new
   * requests on open connections with 503, waits up to `shutdownGraceMs` for requests in
   * progress, then closes what is left, and `hp` when `closeHoldpoint` is set. Calling it again
   * returns the same promise.
   */
  close(): Promise<void>
}

/**
 * Serves the Holdpoint API (`createApp`) over HTTP on Node.js.
 *
 * @example
 * ```ts
 * const server = await serve(hp, {
 *   port: 8787,
 *   auth: { keys: [{ name: 'backend', key: process.env.HOLDPOINT_KEY ?? '', scopes: ['admin'] }] },
 * })
 * process.once('SIGTERM', () => void server.close())
 * ```
 */
export async function serve(hp: Holdpoint, options: ServeOptions): Promise<RunningServer> {
  const shutdown = new AbortController()
  const app = createApp(hp, { ...options, signal: shutdown.signal })
  const host = options.host ?? '127.0.0.1'
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: host,
    // Leave the process's Request and Response alone: the server may share it with your app.
    overrideGlobalObjects: false,
  }) as Server
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 8787, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      shutdown.abort()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Connections go idle as their requests finish (event streams end at once): close each then.
      server.closeIdleConnections()
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      const grace = setTimeout(
        () => server.closeAllConnections(),
        options.shutdownGraceMs ?? 10_000,
      )
      await closed
      clearInterval(sweep)
      clearTimeout(grace)
      if (options.closeHoldpoint) await hp.close()
    })())
  return { url: `http://${urlHost(host)}:${port}`, port, host, app, server, close }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
