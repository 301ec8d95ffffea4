import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.js'
import { deleteUnusedSchemas } from './sql-schemas.js'
import { EVENTS_CHANNEL } from './sql-fragments.js'
import type { PruneFilter } from './store.js'

// Retention: `hp.prune()` deletes runs with everything stored with them.

/**
 * Deletes up to `limit` runs matching the filter, with all their rows; returns how many.
 *
 * In two statements of one transaction: the first locks and deletes the runs, the second deletes
 * their rows. The writers that add rows to an existing run, checkpoints and `ctx.step`
 * (`saveStep`), do so in a statement that updates or locks the run's row, and only if it is
 * there. Once the first statement holds the run, such a writer waits for the prune to commit,
 * then finds the run gone and writes nothing. One that committed before the lock may still have
 * committed after the first statement began, and that statement does not see its rows (READ
 * COMMITTED: a statement sees what committed before it began); the second statement begins after
 * the lock, so it sees them and deletes them.
 */
export async function pruneRuns(db: Kysely<Database>, filter: PruneFilter): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const runIds = await deleteRuns(trx, filter)
    if (runIds.length === 0) return 0
    const schemaIds = await deleteRowsOf(trx, runIds)
    // Schemas only the deleted requests named go too: they may hold what the runs asked about.
    await deleteUnusedSchemas(trx, schemaIds)
    return runIds.length
  })
}

/**
 * Deletes the runs, skipping those a writer holds right now; returns their ids. Followers of a
 * deleted run hear of it at commit, and find it gone.
 */
async function deleteRuns(db: Kysely<Database>, filter: PruneFilter): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH gone AS (
      DELETE FROM holdpoint.runs
      WHERE id IN (
        SELECT id FROM holdpoint.runs
        WHERE status = ANY(${filter.statuses}::text[]) AND updated_at < ${filter.before}
        ORDER BY created_at LIMIT ${filter.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, followed_until
    )
    SELECT id,
      CASE WHEN followed_until > now() THEN pg_notify(${EVENTS_CHANNEL}, id::text) END AS told
    FROM gone`.execute(db)
  return rows.map((r) => r.id)
}

/** Deletes the rows of deleted runs; returns the schemas their requests named. */
async function deleteRowsOf(db: Kysely<Database>, runIds: readonly string[]): Promise<string[]> {
  const { rows } = await sql<{ schema_ids: string[] }>`
    WITH doomed AS (
      SELECT unnest(${runIds}::uuid[]) AS id
    ), requests AS (
      DELETE FROM holdpoint.requests WHERE run_id IN (SELECT id FROM doomed)
      RETURNING schema_id
    ), steps AS (
      DELETE FROM holdpoint.steps WHERE run_id IN (SELECT id FROM doomed)
    ), history AS (
      DELETE FROM holdpoint.history WHERE run_id IN (SELECT id FROM doomed)
    )
    SELECT coalesce(array_agg(DISTINCT schema_id), '{}') AS schema_ids FROM requests
    WHERE schema_id IS NOT NULL`.execute(db)
  return rows[0]?.schema_ids ?? []
}
