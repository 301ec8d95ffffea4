import type { AnyWorkflow } from 'holdpoint'
import type { ApiKey, CorsOptions } from '@holdpoint/server'

/** What `holdpoint serve` reads from the config; the environment adds to it (see `holdpoint serve --help`). */
export interface ServerConfig {
  /** API keys with their scopes; `HOLDPOINT_API_KEYS` adds more. */
  keys?: readonly ApiKey[]
  /** The secret answer links are signed with; default `HOLDPOINT_ANSWER_LINK_SECRET`. */
  answerLinkSecret?: string | readonly string[]
  /** Default 8787; `--port` wins. */
  port?: number
  /** Default 127.0.0.1; `--host` wins. */
  host?: string
  /**
   * Origins whose pages may call the API from a browser (answer pages on another site); none by
   * default.
   */
  cors?: CorsOptions
}

/** What `holdpoint.config.ts` exports by default. */
export interface HoldpointConfig {
  /** The workflows the CLI may load and resume; list every version that still has runs. */
  workflows: readonly AnyWorkflow[]
  /** Postgres to use, such as `postgres://user@host:5432/db`. Default: the embedded PGlite store. */
  databaseUrl?: string
  /** The embedded PGlite directory, relative to the config file. Default `./.holdpoint` in the working directory. */
  dataDir?: string
  /** Options of `holdpoint serve`. */
  server?: ServerConfig
}

/**
 * Types a Holdpoint config; returns it unchanged.
 *
 * @example
 * ```ts
 * // holdpoint.config.ts
 * import { defineConfig } from '@holdpoint/cli'
 * import { approval } from './src/workflows/approval.js'
 *
 * export default defineConfig({
 *   workflows: [approval],
 *   databaseUrl: process.env.DATABASE_URL,
 *   server: { keys: [{ name: 'backend', key: process.env.BACKEND_KEY ?? '', scopes: ['admin'] }] },
 * })
 * ```
 */
export function defineConfig<const TConfig extends HoldpointConfig>(config: TConfig): TConfig {
  return config
}
