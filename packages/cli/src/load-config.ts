import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isWorkflow } from 'holdpoint'
import { createJiti } from 'jiti'
import { CliError } from './cli-error.js'
import type { HoldpointConfig, ServerConfig } from './config.js'

/** The file names looked for in the working directory, in order. */
export const configFileNames = [
  'holdpoint.config.ts',
  'holdpoint.config.mts',
  'holdpoint.config.js',
  'holdpoint.config.mjs',
] as const

/** A loaded config and where it came from. */
export interface LoadedConfig {
  path: string
  config: HoldpointConfig
}

/**
 * Finds the config: `explicit` (which must exist) or the first of `configFileNames` in `cwd`.
 * Returns `undefined` when there is none and none was asked for.
 *
 * @example
 * ```ts
 * const path = findConfig(process.cwd()) // '/srv/app/holdpoint.config.ts'
 * ```
 */
export function findConfig(cwd: string, explicit?: string): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit)
    if (!existsSync(path)) throw new CliError(`Config file ${path} does not exist.`)
    return path
  }
  return configFileNames.map((name) => resolve(cwd, name)).find((path) => existsSync(path))
}

/**
 * Imports a config file (TypeScript through jiti, JavaScript natively) and checks its default
 * export.
 *
 * @example
 * ```ts
 * const { config } = await loadConfig('/srv/app/holdpoint.config.ts')
 * const hp = createHoldpoint({ workflows: config.workflows })
 * ```
 */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  let exported: unknown
  try {
    exported = /\.m?js$/.test(path)
      ? ((await import(pathToFileURL(path).href)) as { default?: unknown }).default
      : await importTypeScript(path)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new CliError(`Could not load ${path}: ${reason}`, { cause: error })
  }
  return { path, config: checkConfig(path, exported) }
}

async function importTypeScript(path: string): Promise<unknown> {
  // Native first: where a TypeScript loader is already active (tsx, a recent Node), the config
  // and the CLI then share one copy of `holdpoint` and its dependencies.
  const jiti = createJiti(import.meta.url, { tryNative: true })
  return jiti.import(path, { default: true })
}

function checkConfig(path: string, exported: unknown): HoldpointConfig {
  const fail = (problem: string): never => {
    throw new CliError(
      `${path} ${problem}. Export default defineConfig({ workflows: [...] }) from '@holdpoint/cli'.`,
    )
  }
  if (typeof exported !== 'object' || exported === null) return fail('has no default export object')
  const config = exported as Partial<Record<keyof HoldpointConfig, unknown>>
  if (!Array.isArray(config.workflows)) return fail('has no `workflows` array')
  if (!config.workflows.every(isWorkflow)) {
    return fail('lists a workflow that does not come from defineWorkflow()')
  }
  for (const key of ['databaseUrl', 'dataDir'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'string') {
      fail(`has a non-string \`${key}\``)
    }
  }
  if (
    config.server !== undefined &&
    (typeof config.server !== 'object' || config.server === null)
  ) {
    fail('has a `server` that is not an object')
  }
  const checked: HoldpointConfig = { workflows: config.workflows }
  if (config.server) checked.server = config.server as ServerConfig
  if (typeof config.databaseUrl === 'string' && config.databaseUrl !== '') {
    checked.databaseUrl = config.databaseUrl
  }
  if (typeof config.dataDir === 'string') checked.dataDir = resolve(dirname(path), config.dataDir)
  return checked
}
