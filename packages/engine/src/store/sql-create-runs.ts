import { WAKE_CHANNEL } from './sql-fragments.js'
import {
  APPEND_HISTORY,
  INSERT_RUNS,
  NEW_RUN_COLUMNS,
  runFields,
  schedulingFields,
} from './batch-fields.js'
import { splitEvents } from './request-events.js'
import {
  batchedWrite,
  writeBatch,
  type BatchedWrite,
  type BatchItem,
  type ExecuteStatement,
} from './statement.js'
import type { NewRun, NewRunEvent } from './store.js'

/**
 * Any number of new runs, each with its first history row, in one statement. A run whose id
 * exists already is left as it is and gets no history row; the statement returns the ids it
 * inserted.
 */
export const CREATE_RUNS: BatchedWrite = batchedWrite(
  'holdpoint_create_runs',
  (rows) => `WITH c AS (
  SELECT * FROM ${rows} AS c(${NEW_RUN_COLUMNS})
), ${INSERT_RUNS}, ${APPEND_HISTORY}
SELECT run.id, CASE WHEN c.notify THEN pg_notify('${WAKE_CHANNEL}', '') END AS woke
FROM run JOIN c USING (id)`,
)

/**
 * A new run as the fields of one `NEW_RUN_COLUMNS` row. `token` is `null` for a run written
 * without one (an import).
 */
export function newRunFields(
  run: Omit<NewRun, 'token'> & { token: string | null },
  events: readonly NewRunEvent[],
  stored: readonly NewRunEvent[] = events,
) {
  return {
    id: run.id,
    workflow: run.workflowId,
    version: run.version,
    ...runFields(run, events, stored),
    // Wrapped, since a JSON null in a recordset column reads as SQL NULL.
    input: [run.input],
    created_at: run.createdAt.toISOString(),
    token: run.token,
    ...schedulingFields(run),
  }
}

/** A new run as one row of `CREATE_RUNS`. */
export function newRunItem(run: NewRun, events: readonly NewRunEvent[]): BatchItem {
  const { stored } = splitEvents({ events, writeHistory: run.writeHistory })
  return { key: run.id.toLowerCase(), json: JSON.stringify(newRunFields(run, events, stored)) }
}

/** Inserts a batch of new runs; for each, whether it was inserted (`false`: its id exists). */
export function createRuns(
  execute: ExecuteStatement,
  items: readonly BatchItem[],
): Promise<boolean[]> {
  return writeBatch(execute, CREATE_RUNS, items)
}
