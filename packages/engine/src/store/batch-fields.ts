import type { NewRunEvent, RunFields, Scheduling } from './store.js'

// The fields that rows of the batched statements share, as JSON, and the SQL that reads them.

/**
 * The run columns a start and a checkpoint both write. `events` are numbered; the history row
 * holds `stored` of them (the rest are kept by request rows, see `splitEvents`).
 */
export function runFields(
  run: RunFields,
  events: readonly NewRunEvent[],
  stored: readonly NewRunEvent[] = events,
) {
  return {
    status: run.status,
    node: run.nodeId,
    visit: run.visit,
    position: run.position,
    state: run.state,
    outputs: run.outputs,
    // Wrapped, since a JSON null in a recordset column reads as SQL NULL (no output).
    output: run.output === undefined ? null : [run.output],
    error: run.error,
    at: run.updatedAt.toISOString(),
    // Read as a `json` column, which keeps the very text of this array: history stores the
    // events exactly as written, without encoding them twice (a string inside the row's JSON).
    events: stored.length > 0 ? stored.map((e) => [e.type, e.data]) : null,
    event_count: events.length,
  }
}

/** A scheduling as the fields of a batched row; `LEASE_UNTIL` and `WAKE_AT` read them back. */
export function schedulingFields(s: Scheduling) {
  return {
    lease_owner: s.lease?.owner ?? null,
    lease_ms: s.lease?.ms ?? null,
    wake: s.wake instanceof Date ? s.wake.toISOString() : s.wake,
    notify: s.notify === true,
  }
}

/** The recordset columns `runFields` fills. */
export const RUN_COLUMNS = `status text, node text, visit int, position json, state json,
    outputs json, output json, error json, at timestamptz, events json, event_count int`

/** A CTE appending each written run's events (from `run` joined to `c`) as one history row. */
export const APPEND_HISTORY = `history AS (
  INSERT INTO holdpoint.history (run_id, last_seq, at, events)
  SELECT run.id, run.event_seq, c.at, c.events FROM run JOIN c USING (id)
  WHERE c.events IS NOT NULL
)`

/** The recordset columns `schedulingFields` fills. */
export const SCHEDULING_COLUMNS = 'lease_owner text, lease_ms int, wake text, notify boolean'

/** When the lease of batched row `c` ends, by the database's clock. */
export const LEASE_UNTIL = `now() + c.lease_ms * interval '1 millisecond'`

/** When a worker should pick batched row `c`'s run up: now, at the lease's end, at a time, or never. */
export const WAKE_AT = `CASE c.wake WHEN 'now' THEN now() WHEN 'lease' THEN ${LEASE_UNTIL}
  ELSE c.wake::timestamptz END`

/** The recordset columns of a new run (see `newRunFields`). */
export const NEW_RUN_COLUMNS = `id uuid, workflow text, version int, ${RUN_COLUMNS}, input json,
    created_at timestamptz, token bigint, ${SCHEDULING_COLUMNS}`

/** A CTE inserting the new runs of recordset `c`, but none whose id exists; returns the rest. */
export const INSERT_RUNS = `run AS (
  INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
    outputs, input, output, error, event_seq, created_at, updated_at,
    lease_owner, lease_until, wake_at, write_token)
  SELECT c.id, c.workflow, c.version, c.status, c.node, c.visit, c.position, c.state,
    c.outputs, c.input -> 0, c.output -> 0, c.error, c.event_count,
    c.created_at, c.at, c.lease_owner, ${LEASE_UNTIL}, ${WAKE_AT}, c.token
  FROM c
  ON CONFLICT (id) DO NOTHING
  RETURNING id, event_seq
)`

/** The recordset columns of a new request (see `requestRow`). */
export const NEW_REQUEST_COLUMNS = `node text, visit int, request_id text, seq int, spec json,
      schema_id uuid, schema json, expires_at timestamptz, created_at timestamptz,
      requested_offset int, waiting_offset int, waiting_ids json`
