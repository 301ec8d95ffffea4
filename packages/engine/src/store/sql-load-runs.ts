import {
  RUN_SELECT_LIST,
  requestSchemaSql,
  runFieldsOf,
  stepObjectSql,
  toRequest,
  toStep,
  type RunRow,
} from './rows.js'
import { jsonArrayOf, type BatchItem, type ExecuteStatement, type Statement } from './statement.js'
import type { StoredRun } from './store.js'

/**
 * The runs named by the ids of a batch (`$1`, a JSON array of `runIdItem`s). An array, so that
 * the ids are looked up by primary key (see `checkpointStatement`).
 */
const RUNS_BY_IDS = `r.id = ANY(ARRAY(SELECT value::uuid FROM json_array_elements_text($1::json)))`

/**
 * Any number of runs by id, each with the requests that are open or belong to its current node
 * visit, and that visit's memoized steps.
 */
export const LOAD_RUNS: Statement = {
  name: 'holdpoint_load_runs',
  // Columns by name: a prepared statement's result may not change shape under a later migration.
  text: `SELECT ${RUN_SELECT_LIST},
  (SELECT coalesce(json_agg(q ORDER BY q.node, q.visit, q.seq), '[]'::json)
     FROM (SELECT q.*, ${requestSchemaSql('q')} AS schema FROM holdpoint.requests q
            WHERE q.run_id = r.id
              AND (q.status = 'open' OR (q.node = r.node AND q.visit = r.visit))) q) AS requests,
  (SELECT coalesce(json_agg(${stepObjectSql('s')} ORDER BY s.seq), '[]'::json)
     FROM holdpoint.steps s
    WHERE s.run_id = r.id AND s.node = r.node AND s.visit = r.visit) AS steps
FROM holdpoint.runs r
WHERE ${RUNS_BY_IDS}`,
}

/** A run id as an item of `LOAD_RUNS` and `RUN_VERSIONS`. */
export function runIdItem(runId: string): BatchItem {
  const key = runId.toLowerCase()
  return { key, json: JSON.stringify(key) }
}

/** Loads a batch of runs; `undefined` for ids with no run. */
export async function loadRuns(
  execute: ExecuteStatement,
  items: readonly BatchItem[],
): Promise<Array<StoredRun | undefined>> {
  const rows = await execute<RunRow>(LOAD_RUNS, [jsonArrayOf(items)])
  const byId = new Map(rows.map((row) => [row.id, row]))
  const handedOut = new Set<string>()
  return items.map((item) => {
    const row = byId.get(item.key)
    if (!row) return undefined
    // Loads of one run may share a batch; each caller gets objects of its own.
    const run = storedRunOf(handedOut.has(item.key) ? structuredClone(row) : row)
    handedOut.add(item.key)
    return run
  })
}

function storedRunOf(row: RunRow): StoredRun {
  return {
    ...runFieldsOf(row),
    rowVersion: row.row_version,
    lease:
      row.lease_owner !== null && row.lease_until !== null
        ? { owner: row.lease_owner, until: row.lease_until }
        : null,
    wakeAt: row.wake_at,
    writeToken: row.write_token === null ? null : String(row.write_token),
    requests: row.requests.map(toRequest),
    steps: row.steps.map(toStep),
  }
}

/** The row versions of any number of runs by id (see `Store.runVersion`). */
export const RUN_VERSIONS: Statement = {
  name: 'holdpoint_run_versions',
  text: `SELECT r.id, r.row_version FROM holdpoint.runs r WHERE ${RUNS_BY_IDS}`,
}

/** Reads a batch of row versions; `undefined` for ids with no run. */
export async function runVersions(
  execute: ExecuteStatement,
  items: readonly BatchItem[],
): Promise<Array<number | undefined>> {
  const rows = await execute<{ id: string; row_version: number }>(RUN_VERSIONS, [
    jsonArrayOf(items),
  ])
  const byId = new Map(rows.map((row) => [row.id, row.row_version]))
  return items.map((item) => byId.get(item.key))
}
