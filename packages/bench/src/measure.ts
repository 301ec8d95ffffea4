import pg from 'pg'
import { adminUrl, type Target } from './database.js'

/** What Holdpoint's tables hold at one moment. */
export interface Footprint {
  /** Sum of `pg_total_relation_size` (heap, indexes, TOAST) over the `holdpoint` schema's tables. */
  bytes: number
  /** Rows over the same tables. */
  rows: number
  /** The same two figures per table, for the breakdown printed to stderr. */
  tables: Record<string, { bytes: number; rows: number }>
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>

/**
 * Measures the `holdpoint` schema of a target. Every table in the schema counts, so tables that
 * later migrations add are measured without changes here.
 */
export async function readFootprint(target: Target): Promise<Footprint> {
  if (target.kind === 'pglite') {
    // The store's processes have exited, so this process may open the directory.
    const { PGlite } = await import('@electric-sql/pglite')
    const db = new PGlite(target.dataDir)
    try {
      return await footprint(async (sql) => (await db.query<Record<string, unknown>>(sql)).rows)
    } finally {
      await db.close()
    }
  }
  const client = new pg.Client({ connectionString: target.url })
  await client.connect()
  try {
    return await footprint(async (sql) => (await client.query<Record<string, unknown>>(sql)).rows)
  } finally {
    await client.end()
  }
}

async function footprint(query: Query): Promise<Footprint> {
  const relations = await query(`
    SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'holdpoint' AND c.relkind IN ('r', 'p')
     ORDER BY c.relname`)
  const tables: Footprint['tables'] = {}
  let bytes = 0
  let rows = 0
  for (const relation of relations) {
    const name = String(relation.name)
    const [count] = await query(
      `SELECT count(*)::bigint AS n FROM holdpoint.${quoteIdentifier(name)}`,
    )
    const table = { bytes: Number(relation.bytes), rows: Number(count?.n ?? 0) }
    tables[name] = table
    bytes += table.bytes
    rows += table.rows
  }
  return { bytes, rows, tables }
}

/** `after − before` per run, for the whole schema and per table. */
export function perRun(
  before: Footprint,
  after: Footprint,
  runs: number,
): { bytes: number; rows: number; tables: Record<string, { bytes: number; rows: number }> } {
  const tables: Record<string, { bytes: number; rows: number }> = {}
  for (const [name, table] of Object.entries(after.tables)) {
    const base = before.tables[name] ?? { bytes: 0, rows: 0 }
    tables[name] = {
      bytes: (table.bytes - base.bytes) / runs,
      rows: (table.rows - base.rows) / runs,
    }
  }
  return {
    bytes: (after.bytes - before.bytes) / runs,
    rows: (after.rows - before.rows) / runs,
    tables,
  }
}

/**
 * The database's committed-transaction counter (`pg_stat_database.xact_commit`), or `null` for
 * PGlite, which keeps no cumulative statistics worth reading.
 *
 * A backend publishes its counters when it exits (or, while idle, at most about once a second;
 * `pg_stat_force_next_flush()` only affects the backend that calls it). So this first waits
 * until no backend is connected to the database, then reads from a session on the admin
 * database, so that reading does not itself add commits to the figure.
 */
export async function readCommits(target: Target): Promise<number | null> {
  if (target.kind === 'pglite') return null
  const client = new pg.Client({ connectionString: adminUrl() })
  await client.connect()
  try {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
        [target.name],
      )
      if (Number(rows[0]?.n ?? 0) === 0) break
      if (attempt > 200) throw new Error(`Backends of ${target.name} did not exit.`)
      await sleep(25)
    }
    // A backend leaves pg_stat_activity just before it flushes its counters; give it a moment.
    await sleep(100)
    await client.query('SELECT pg_stat_clear_snapshot()')
    const { rows } = await client.query<{ n: string }>(
      'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1',
      [target.name],
    )
    return Number(rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
