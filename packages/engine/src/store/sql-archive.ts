import { sql, type Kysely } from 'kysely'
import type { RunEventType } from '../history/run-event.js'
import type { JsonObject } from '../json.js'
import {
  RUN_SELECT_LIST,
  json,
  requestRow,
  requestSchemaSql,
  runFieldsOf,
  toRequest,
  stepObjectSql,
  toStep,
  type RunRow,
} from './rows.js'
import type { Database } from './schema.js'
import { INSERT_RUNS, NEW_REQUEST_COLUMNS, NEW_RUN_COLUMNS } from './batch-fields.js'
import { INSERT_SCHEMAS } from './sql-schemas.js'
import { REQUEST_EVENTS } from './request-events.js'
import { newRunFields } from './sql-create-runs.js'
import type { RunRecord, Scheduling } from './store.js'

// Whole runs in and out of the store: export and import. (Retention is in `sql-prune.ts`.)

/** Everything stored about a run, or `undefined` when there is no such run. */
export async function exportRun(
  db: Kysely<Database>,
  runId: string,
): Promise<RunRecord | undefined> {
  const { rows } = await sql<
    RunRow & {
      history: Array<{ last_seq: number; at: string; events: [string, JsonObject][] }>
      request_events: Array<{ seq: number; at: string; type: string; data: JsonObject }>
    }
  >`
    SELECT ${sql.raw(RUN_SELECT_LIST)},
      (SELECT coalesce(json_agg(q ORDER BY q.created_at, q.node, q.visit, q.seq), '[]')
         FROM (SELECT q.*, ${sql.raw(requestSchemaSql('q'))} AS schema
                 FROM holdpoint.requests q WHERE q.run_id = r.id) q) AS requests,
      (SELECT coalesce(json_agg(${sql.raw(stepObjectSql('s'))} ORDER BY s.node, s.visit, s.seq), '[]')
         FROM holdpoint.steps s WHERE s.run_id = r.id) AS steps,
      (SELECT coalesce(json_agg(h ORDER BY h.last_seq), '[]')
         FROM holdpoint.history h WHERE h.run_id = r.id) AS history,
      (SELECT coalesce(json_agg(e), '[]') FROM holdpoint.requests q
         CROSS JOIN ${sql.raw(REQUEST_EVENTS)}
        WHERE q.run_id = r.id AND e.seq IS NOT NULL) AS request_events
    FROM holdpoint.runs r WHERE r.id = ${runId}`.execute(db)
  const row = rows[0]
  if (!row) return undefined
  return {
    ...runFieldsOf(row),
    requests: row.requests.map(toRequest),
    steps: row.steps.map(toStep),
    history: [
      ...row.history.flatMap((h) =>
        h.events.map(([type, data], i) => ({
          seq: h.last_seq - h.events.length + 1 + i,
          at: h.at,
          type,
          data,
        })),
      ),
      ...row.request_events,
    ]
      .sort((a, b) => a.seq - b.seq)
      .map((e) => ({ ...e, at: new Date(e.at), type: e.type as RunEventType })),
  }
}

/** Writes a whole run in one statement; `false` when a run with its id already exists. */
export async function importRun(
  db: Kysely<Database>,
  record: RunRecord,
  scheduling: Scheduling,
): Promise<boolean> {
  // The run's row as a start writes it, numbered up to its last imported event.
  const run = {
    ...newRunFields({ ...record, ...scheduling, token: null }, []),
    event_count: record.history.at(-1)?.seq ?? 0,
  }
  const { rows } = await sql<{ id: string }>`
    WITH c AS (
      SELECT * FROM json_to_recordset(${json([run])}::json) AS c(${sql.raw(NEW_RUN_COLUMNS)})
    ), ${sql.raw(INSERT_RUNS)}, new_requests AS (
      SELECT run.id AS run_id, q.* FROM run,
        json_to_recordset(${json(record.requests.map(exportedRequest))}::json)
        AS q(${sql.raw(NEW_REQUEST_COLUMNS)}, status text, answer json, answered_at timestamptz)
    ), ${sql.raw(INSERT_SCHEMAS)}, requests AS (
      INSERT INTO holdpoint.requests (run_id, node, visit, request_id, seq, spec, schema_id,
        status, answer, answered_at, expires_at, created_at)
      SELECT run_id, node, visit, request_id, seq, spec, schema_id, status, answer, answered_at,
        expires_at, created_at
      FROM new_requests
    ), steps AS (
      INSERT INTO holdpoint.steps (run_id, node, visit, key, seq, result)
      SELECT run.id, s.node, s.visit, s.key, s.seq, s.result -> 0
      FROM run, json_to_recordset(${json(record.steps.map((s) => ({ node: s.nodeId, visit: s.visit, key: s.key, seq: s.seq, result: s.result === undefined ? null : [s.result] })))}::json)
        AS s(node text, visit int, key text, seq int, result json)
    ), history AS (
      INSERT INTO holdpoint.history (run_id, last_seq, at, events)
      SELECT run.id, e.seq, e.at, json_build_array(json_build_array(e.type, e.data))
      FROM run, json_to_recordset(${json(record.history)}::json)
        AS e(seq int, at timestamptz, type text, data json)
    )
    SELECT id FROM run`.execute(db)
  return rows.length === 1
}

function exportedRequest(q: RunRecord['requests'][number]): Record<string, unknown> {
  return {
    ...requestRow(q),
    status: q.status,
    answer: q.answer ?? null,
    answered_at: q.answeredAt?.toISOString() ?? null,
  }
}
