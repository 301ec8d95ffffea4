import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.js'

// Request schemas are stored once each (`holdpoint.schemas`) and shared by every request that
// names them. Pruning deletes the ones no request names any more; an advisory lock keeps it from
// deleting a schema that a write in flight has just found stored and is about to name.

/** The advisory lock writers naming stored schemas share, and pruning takes alone. */
const SCHEMAS_LOCK = `'holdpoint.schemas'::regclass::oid::int, 0`

/**
 * A CTE storing the schemas of CTE `new_requests` that are not stored yet. It holds the shared
 * lock before it looks (an init plan, evaluated before the first row), so a schema it finds
 * stays until its transaction commits. In id order, so that two statements storing the same new
 * schemas at once wait for each other instead of deadlocking.
 */
export const INSERT_SCHEMAS = `schemas AS (
  INSERT INTO holdpoint.schemas (id, schema)
  SELECT DISTINCT ON (schema_id) schema_id, schema FROM new_requests
  WHERE schema_id IS NOT NULL
    AND (SELECT count(pg_advisory_xact_lock_shared(${SCHEMAS_LOCK}))) > 0
  ORDER BY schema_id
  ON CONFLICT (id) DO NOTHING
)`

/**
 * Deletes those of `ids` that no request names, in the caller's transaction. The lock waits for
 * writers that found one of them stored to commit; the check after it, a statement of its own,
 * sees what they wrote.
 */
export async function deleteUnusedSchemas(
  trx: Kysely<Database>,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return
  await sql`SELECT pg_advisory_xact_lock(${sql.raw(SCHEMAS_LOCK)})`.execute(trx)
  await sql`
    DELETE FROM holdpoint.schemas s
    WHERE s.id = ANY(${ids}::uuid[])
      AND NOT EXISTS (SELECT 1 FROM holdpoint.requests q WHERE q.schema_id = s.id)`.execute(trx)
}
