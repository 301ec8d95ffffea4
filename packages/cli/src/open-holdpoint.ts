import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { createHoldpoint, type Holdpoint } from 'holdpoint'
import type { SqlStore } from 'holdpoint/pglite'
import { CliError } from './cli-error.js'
import type { HoldpointConfig } from './config.js'
import { configFileNames, findConfig, loadConfig } from './load-config.js'
import type { StoreFlags } from './store-options.js'

/** Which store a command uses. */
export type StoreChoice = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string }

/** The project before anything is opened: its config, when there is one, and its store. */
export interface LocatedProject {
  config: HoldpointConfig | undefined
  where: StoreChoice
}

/** The project as a command sees it: config, store and a Holdpoint over the store. */
export interface OpenedProject extends LocatedProject {
  hp: Holdpoint
}

/**
 * Chooses the store. Flags beat the config: `--database-url`, else `--data-dir` (embedded
 * PGlite), else the config's `databaseUrl`, else its `dataDir`, else PGlite in `./.holdpoint`.
 *
 * @example
 * ```ts
 * chooseStore({}, undefined, '/srv/app') // { kind: 'pglite', dataDir: '/srv/app/.holdpoint' }
 * ```
 */
export function chooseStore(
  flags: StoreFlags,
  config: HoldpointConfig | undefined,
  cwd: string,
): StoreChoice {
  if (flags.databaseUrl !== undefined) {
    return { kind: 'postgres', url: connectionUrl(flags.databaseUrl, '--database-url') }
  }
  if (flags.dataDir !== undefined) return { kind: 'pglite', dataDir: resolve(cwd, flags.dataDir) }
  if (config?.databaseUrl !== undefined) {
    return { kind: 'postgres', url: connectionUrl(config.databaseUrl, "The config's databaseUrl") }
  }
  return { kind: 'pglite', dataDir: resolve(cwd, config?.dataDir ?? '.holdpoint') }
}

/**
 * A connection string `pg` can read: a URL (`postgres://…`), a `socket:` URL or a socket path.
 * Anything else (`notaurl`, `localhost:5432/app`) it would misread as a host, a port or a
 * database name and fail later, naming no option.
 */
function connectionUrl(url: string, option: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^socket:/i.test(url) || url.startsWith('/')) {
    return url
  }
  throw new CliError(
    `${option} must be a Postgres connection URL such as postgres://user@host:5432/db, not ${JSON.stringify(url)}.`,
  )
}

/**
 * Opens the chosen store. `pg` is loaded only for Postgres. A command makes a few queries at a
 * time, so its Postgres pool is small (`maxConnections`, default 2) unless it asks for more.
 *
 * @example
 * ```ts
 * const store = await openStore({ kind: 'postgres', url: 'postgres://localhost/app' })
 * ```
 */
export async function openStore(
  where: StoreChoice,
  options: { maxConnections?: number } = {},
): Promise<SqlStore> {
  if (where.kind === 'pglite') {
    const { pgliteStore } = await import('holdpoint/pglite')
    return pgliteStore({ dataDir: where.dataDir })
  }
  const { postgresStore } = await import('holdpoint/postgres')
  return postgresStore({ connectionString: where.url, maxConnections: options.maxConnections ?? 2 })
}

/** How `locateProject` should find the project. */
export interface LocateOptions {
  /** Fail without a config file. */
  needsConfig: boolean
}

/**
 * Finds and loads the project's config (required when `needsConfig`) and chooses its store,
 * without opening it.
 *
 * @example
 * ```ts
 * const { where } = await locateProject({}, process.cwd(), { needsConfig: false })
 * const store = await openStore(where)
 * ```
 */
export async function locateProject(
  flags: StoreFlags,
  cwd: string,
  options: LocateOptions,
): Promise<LocatedProject> {
  const configPath = findConfig(cwd, flags.config)
  if (configPath === undefined && options.needsConfig) {
    throw new CliError(
      `No ${configFileNames.join(', ')} in ${cwd}; pass --config PATH. ` +
        'The config lists the workflows this command loads runs of.',
    )
  }
  const config = configPath === undefined ? undefined : (await loadConfig(configPath)).config
  return { config, where: chooseStore(flags, config, cwd) }
}

/** How `openProject` should open the project. */
export interface OpenOptions extends LocateOptions {
  /** Fail when the embedded store was never created, instead of creating an empty one. */
  mustExist: boolean
  /** `createHoldpoint({ leaseMs })`; the engine's default when absent. */
  leaseMs?: number
  /** The Postgres pool size (see `openStore`). */
  maxConnections?: number
}

/**
 * Locates the project (see `locateProject`), opens its store and registers its workflows. With
 * `mustExist`, an embedded store that was never created is an error rather than a new empty
 * database. Close `hp` when done.
 *
 * @example
 * ```ts
 * const { hp } = await openProject({}, process.cwd(), { needsConfig: true, mustExist: true })
 * try { console.log(await hp.list()) } finally { await hp.close() }
 * ```
 */
export async function openProject(
  flags: StoreFlags,
  cwd: string,
  options: OpenOptions,
): Promise<OpenedProject> {
  const { config, where } = await locateProject(flags, cwd, options)
  if (options.mustExist && where.kind === 'pglite' && !existsSync(where.dataDir)) {
    throw new CliError(
      `No Holdpoint database at ${where.dataDir}. Start a run there first, or pass --database-url or --data-dir.`,
    )
  }
  const store = await openStore(where, { maxConnections: options.maxConnections })
  const hp = createHoldpoint({
    workflows: config?.workflows ?? [],
    store,
    leaseMs: options.leaseMs,
  })
  return { hp, where, config }
}

/**
 * Names the store for people, without the password of a connection string.
 *
 * @example
 * ```ts
 * describeStore({ kind: 'postgres', url: 'postgres://u:secret@db/app' }) // 'Postgres at postgres://u:***@db/app'
 * ```
 */
export function describeStore(where: StoreChoice): string {
  if (where.kind === 'pglite') return `PGlite in ${where.dataDir}`
  try {
    const url = new URL(where.url)
    if (url.password) url.password = '***'
    return `Postgres at ${url.toString()}`
  } catch {
    return 'Postgres'
  }
}
