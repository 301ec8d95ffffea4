import { sql, type Kysely } from 'kysely'
import { SchemaTooNewError } from '../errors.js'
import { LATEST_SCHEMA_VERSION, migrations } from './migrations/index.js'

/**
 * Brings the `holdpoint` schema up to date in one transaction, serialized across processes by an
 * advisory lock. Refuses a database migrated by newer code. Returns the versions applied.
 */
export async function migrate<DB>(db: Kysely<DB>): Promise<number[]> {
  return (db as Kysely<unknown>).transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('holdpoint.migrate'))`.execute(trx)
    await sql`CREATE SCHEMA IF NOT EXISTS holdpoint`.execute(trx)
    await sql`CREATE TABLE IF NOT EXISTS holdpoint.schema_version (
      version int PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx)
    const current = await schemaVersion(trx)
    if (current > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(current, LATEST_SCHEMA_VERSION)
    const applied: number[] = []
    for (const migration of migrations) {
      if (migration.version <= current) continue
      for (const statement of migration.statements) await sql.raw(statement).execute(trx)
      await sql`INSERT INTO holdpoint.schema_version (version) VALUES (${migration.version})`.execute(
        trx,
      )
      applied.push(migration.version)
    }
    return applied
  })
}

/** The schema version recorded in the database; 0 when Holdpoint never migrated it. */
export async function schemaVersion(db: Kysely<unknown>): Promise<number> {
  const exists = await sql<{ table: string | null }>`
    SELECT to_regclass('holdpoint.schema_version')::text AS table`.execute(db)
  if (!exists.rows[0]?.table) return 0
  const { rows } = await sql<{ version: number | null }>`
    SELECT max(version) AS version FROM holdpoint.schema_version`.execute(db)
  return rows[0]?.version ?? 0
}
