import { WAKE_CHANNEL } from './sql-fragments.js'
import {
  APPEND_HISTORY,
  LEASE_UNTIL,
  RUN_COLUMNS,
  SCHEDULING_COLUMNS,
  WAKE_AT,
  runFields,
  schedulingFields,
} from './batch-fields.js'
import { writeBatch, type BatchItem, type ExecuteStatement, type Statement } from './statement.js'
import type { NewRun, NewRunEvent } from './store.js'

/**
 * Any number of new runs, each with its first history row, in one statement. A run whose id
 * exists already is left as it is and gets no history row; the statement returns the ids it
 * inserted.
 */
export const CREATE_RUNS: Statement = {
  name: 'holdpoint_create_runs',
  text: `WITH c AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id uuid, workflow text, version int,
    ${RUN_COLUMNS}, input jsonb, created_at timestamptz, token bigint, ${SCHEDULING_COLUMNS})
), run AS (
  INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
    outputs, input, output, error, event_seq, created_at, updated_at,
    lease_owner, lease_until, wake_at, write_token)
  SELECT c.id, c.workflow, c.version, c.status, c.node, c.visit, c.position, c.state,
    c.outputs, c.input -> 0, c.output -> 0, c.error, c.event_count,
    c.created_at, c.at, c.lease_owner, ${LEASE_UNTIL}, ${WAKE_AT}, c.token
  FROM c
  ON CONFLICT (id) DO NOTHING
  RETURNING id, event_seq
), ${APPEND_HISTORY}
SELECT run.id, CASE WHEN c.notify THEN pg_notify('${WAKE_CHANNEL}', '') END AS woke
FROM run JOIN c USING (id)`,
}

/** A new run as one row of `CREATE_RUNS`. */
export function newRunItem(run: NewRun, events: readonly NewRunEvent[]): BatchItem {
  return {
    key: run.id.toLowerCase(),
    json: JSON.stringify({
      id: run.id,
      workflow: run.workflowId,
      version: run.version,
      ...runFields(run, events),
      // Wrapped, since a JSON null in a recordset column reads as SQL NULL.
      input: [run.input],
      created_at: run.createdAt.toISOString(),
      token: run.token,
      ...schedulingFields(run),
    }),
  }
}

/** Inserts a batch of new runs; for each, whether it was inserted (`false`: its id exists). */
export function createRuns(
  execute: ExecuteStatement,
  items: readonly BatchItem[],
): Promise<boolean[]> {
  return writeBatch(execute, CREATE_RUNS, items)
}
