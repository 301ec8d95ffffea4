/**
 * Deletes what is left of runs that no longer exist: their requests, step results and history
 * rows, and the schemas no request names any more.
 *
 * Code from before this migration could leave such rows behind when `hp.prune()` deleted a run
 * while a step result or a checkpoint of it was being written: the write committed after the
 * prune had looked for the run's rows, and nothing read or deleted them afterwards. Today a step
 * result is stored only while its run's row exists (locked until it commits), and a prune deletes
 * a run's rows in a second statement that sees every write committed before it; this cleans up
 * once after the old code. Each table is read whole, once: on a large database, migrate at a
 * quiet moment. Writers are not held up, except prunes and pauses that store a request schema,
 * from the last statement on.
 */
export const statements = [
  `DELETE FROM holdpoint.requests q
    WHERE NOT EXISTS (SELECT 1 FROM holdpoint.runs r WHERE r.id = q.run_id)`,
  `DELETE FROM holdpoint.steps s
    WHERE NOT EXISTS (SELECT 1 FROM holdpoint.runs r WHERE r.id = s.run_id)`,
  `DELETE FROM holdpoint.history h
    WHERE NOT EXISTS (SELECT 1 FROM holdpoint.runs r WHERE r.id = h.run_id)`,
  // The lock pruning takes: a pause naming a schema it found stored commits first.
  `SELECT pg_advisory_xact_lock('holdpoint.schemas'::regclass::oid::int, 0)`,
  `DELETE FROM holdpoint.schemas s
    WHERE NOT EXISTS (SELECT 1 FROM holdpoint.requests q WHERE q.schema_id = s.id)`,
]
