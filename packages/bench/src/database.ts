import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from 'holdpoint'
import pg from 'pg'
import type { StoreKind } from './args.js'

/** Where one repetition keeps its runs: a fresh Postgres database, or a fresh PGlite directory. */
export type Target =
  { kind: 'postgres'; url: string; name: string } | { kind: 'pglite'; dataDir: string }

/** The server's admin connection string: `DATABASE_URL`, else the local server. */
export function adminUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** Runs one statement on its own connection to `url`. */
export async function execute(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** A fresh, empty target of this kind; `dispose` drops the database or deletes the directory. */
export async function createTarget(
  kind: StoreKind,
): Promise<{ target: Target; dispose: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dataDir = await mkdtemp(join(tmpdir(), 'holdpoint-bench-'))
    return {
      target: { kind, dataDir },
      dispose: () => rm(dataDir, { recursive: true, force: true }),
    }
  }
  const admin = adminUrl()
  const name = `holdpoint_bench_${randomBytes(4).toString('hex')}`
  await execute(admin, `CREATE DATABASE ${name}`)
  return {
    target: { kind, url: withDatabase(admin, name), name },
    dispose: () => execute(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

/**
 * Opens the store of a target. The PGlite store is imported only when used, so a Postgres
 * process never loads the WebAssembly build.
 */
export async function openStore(target: Target, pool: number | undefined): Promise<Store> {
  if (target.kind === 'pglite') {
    const { pgliteStore } = await import('holdpoint/pglite')
    return pgliteStore({ dataDir: target.dataDir })
  }
  const { postgresStore } = await import('holdpoint/postgres')
  return postgresStore({
    connectionString: target.url,
    ...(pool === undefined ? {} : { maxConnections: pool }),
  })
}

/** Creates Holdpoint's schema in a target (the same migration `store.ready()` applies). */
export async function migrateTarget(target: Target): Promise<void> {
  const store = await openStore(target, 1)
  try {
    await store.ready()
  } finally {
    await store.close()
  }
}
