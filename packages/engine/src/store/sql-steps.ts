import { sql, type Kysely } from 'kysely'
import { RunNotFoundError } from '../errors.js'
import { toStep, wrappedSql, type StepRow } from './rows.js'
import type { Database } from './schema.js'
import type { StoredStep } from './store.js'

/**
 * Stores a `ctx.step` result unless one is stored for its run, node visit and key, and returns
 * the stored one: the first result stored wins, and every caller gets it. Throws `RUN_NOT_FOUND`,
 * storing nothing, when the run is gone. A process may still be executing a node of a run that
 * another process cancelled and pruned; a step it stored then would belong to no run, and no
 * prune would ever delete it.
 *
 * The insert takes its values from the run's row, locked `FOR KEY SHARE`, in the same statement:
 * no run, no insert, and no round trip more than before. A foreign key would take the same lock
 * through a trigger, and need a migration: code from before it would then refuse to start
 * (`SCHEMA_TOO_NEW`), and validating it would fail on the steps already left without a run. The
 * lock conflicts only with deleting the run or locking it `FOR UPDATE`: checkpoints, lease
 * renewals and other steps go on beside it, and claims and prunes (`SKIP LOCKED`) pass the run
 * over for the moment the statement holds it. Against a prune at the same time (READ COMMITTED),
 * it leaves no step without its run:
 *
 * - a prune that locked the run first makes this statement wait for its commit; the run is then
 *   gone, so the lock (which reads the row again after waiting) finds nothing and nothing is
 *   inserted;
 * - a prune that comes to the run while this statement holds the lock skips the run, and leaves
 *   it for the next prune;
 * - a prune that locks the run after this statement committed deletes the run's steps in a later
 *   statement, which sees the step (see `pruneRuns`).
 */
export async function saveStep(
  db: Kysely<Database>,
  runId: string,
  step: StoredStep,
): Promise<StoredStep> {
  const stored = sql<StepRow>`
    SELECT node, visit, key, seq, ${sql.raw(wrappedSql('result'))} AS result FROM holdpoint.steps
     WHERE run_id = ${runId} AND node = ${step.nodeId} AND visit = ${step.visit} AND key = ${step.key}`
  const { rows } = await sql<StepRow>`
    WITH run AS (
      SELECT id FROM holdpoint.runs WHERE id = ${runId} FOR KEY SHARE
    ), inserted AS (
      INSERT INTO holdpoint.steps (run_id, node, visit, key, seq, result)
      SELECT id, ${step.nodeId}::text, ${step.visit}::int, ${step.key}::text, ${step.seq}::int,
        ${step.result === undefined ? null : JSON.stringify(step.result)}::json
      FROM run
      ON CONFLICT DO NOTHING
      RETURNING node, visit, key, seq, ${sql.raw(wrappedSql('result'))} AS result
    )
    SELECT * FROM inserted UNION ALL (${stored}) LIMIT 1`.execute(db)
  if (rows[0]) return toStep(rows[0])
  // Either the insert waited for another process storing the same step, whose row committed
  // after this statement's snapshot was taken, so that only a statement of its own sees it; or
  // the run is gone. Nothing else leaves both empty: an insert that waited on a writer that
  // rolled back goes ahead.
  const { rows: winner } = await stored.execute(db)
  if (!winner[0]) throw new RunNotFoundError(runId)
  return toStep(winner[0])
}
