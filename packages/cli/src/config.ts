import type { AnyWorkflow } from 'holdpoint'

/** What `holdpoint.config.ts` exports by default. */
export interface HoldpointConfig {
  /** The workflows the CLI may load and resume; list every version that still has runs. */
  workflows: readonly AnyWorkflow[]
  /** Postgres to use, such as `postgres://user@host:5432/db`. Default: the embedded PGlite store. */
  databaseUrl?: string
  /** The embedded PGlite directory, relative to the config file. Default `./.holdpoint` in the working directory. */
  dataDir?: string
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
 * export default defineConfig({ workflows: [approval], databaseUrl: process.env.DATABASE_URL })
 * ```
 */
export function defineConfig<const TConfig extends HoldpointConfig>(config: TConfig): TConfig {
  return config
}
