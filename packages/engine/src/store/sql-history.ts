import { sql, type Kysely } from 'kysely'
import type { RunEvent, RunEventData } from '../history/run-event.js'
import type { JsonObject, JsonValue } from '../json.js'
import { requestSchemaSql, specOf, toDate, type RequestRow } from './rows.js'
import { REQUEST_EVENTS } from './request-events.js'
import type { Database } from './schema.js'

interface EventRow {
  seq: number
  at: Date
  type: RunEvent['type']
  data: JsonObject
  request: RequestRow | null
  output: JsonValue | null
}

/**
 * A run's history after `after`: each checkpoint's row expanded into its events, merged with
 * the events request rows keep (`REQUEST_EVENTS`), with the request (for `input_requested` and
 * `input_received`) and the run's output (for `run_completed`) joined in.
 */
export async function listEvents(
  db: Kysely<Database>,
  runId: string,
  after: number,
  limit: number,
): Promise<RunEvent[]> {
  const { rows } = await sql<EventRow>`
    SELECT * FROM (
      SELECT h.last_seq - json_array_length(h.events) + e.ord::int AS seq, h.at,
        e.value->>0 AS type, e.value->1 AS data,
        CASE WHEN e.value->>0 IN ('input_requested', 'input_received') THEN (
          SELECT row_to_json(q) FROM (
            SELECT q.*, ${sql.raw(requestSchemaSql('q'))} AS schema FROM holdpoint.requests q
             WHERE q.run_id = h.run_id AND q.node = e.value->1->>'node'
               AND q.visit = (e.value->1->>'visit')::int
               AND q.request_id = e.value->1->>'requestId') q
        ) END AS request,
        CASE WHEN e.value->>0 = 'run_completed' THEN (
          SELECT r.output FROM holdpoint.runs r WHERE r.id = h.run_id
        ) END AS output
      FROM holdpoint.history h
      CROSS JOIN LATERAL json_array_elements(h.events) WITH ORDINALITY AS e(value, ord)
      -- The block condition lets the index skip the blocks before \`after\` (migration 6).
      WHERE h.run_id = ${runId} AND h.last_seq / 64 >= ${after}::bigint / 64 AND h.last_seq > ${after}
      UNION ALL
      SELECT e.seq, e.at, e.type, e.data,
        CASE WHEN e.type <> 'run_waiting' THEN row_to_json(q) END AS request, NULL AS output
      FROM (SELECT q.*, ${sql.raw(requestSchemaSql('q'))} AS schema FROM holdpoint.requests q
             WHERE q.run_id = ${runId}) q
      CROSS JOIN ${sql.raw(REQUEST_EVENTS)}
      WHERE e.seq > ${after}
    ) AS expanded
    WHERE seq > ${after}
    ORDER BY seq
    LIMIT ${limit}`.execute(db)
  return rows.map((row) => ({
    runId,
    seq: row.seq,
    type: row.type,
    data: eventData(row),
    at: row.at,
  })) as RunEvent[]
}

function eventData(row: EventRow): RunEventData[keyof RunEventData] {
  const { request } = row
  if (row.type === 'input_requested' && request) {
    const spec = specOf(request)
    return {
      ...(row.data as RunEventData['input_requested']),
      prompt: spec.prompt ?? null,
      inputType: spec.inputType,
      options: spec.options ?? null,
      schema: spec.schema ?? null,
      payload: spec.payload ?? null,
      expiresAt: toDate(request.expires_at)?.toISOString() ?? null,
    }
  }
  if (row.type === 'input_received') {
    return { ...(row.data as RunEventData['input_received']), answer: request?.answer ?? null }
  }
  if (row.type === 'run_completed') return { output: row.output }
  return row.data as RunEventData[keyof RunEventData]
}

/**
 * Marks runs as followed until `ms` from now (a later mark by another follower is kept). The mark
 * is a column of the run's row, read by every checkpoint the run's row update returns.
 *
 * One run (a new follower) waits for a write that holds its row, so that its mark is there when
 * this resolves. Several (a renewal) skip the rows locked right now, in id order: a statement
 * that waited for one row while holding others could deadlock with a batch of checkpoints, which
 * locks its runs in another order. A skipped mark keeps most of its time, and the next renewal
 * comes long before it runs out.
 */
export async function follow(
  db: Kysely<Database>,
  runIds: readonly string[],
  ms: number,
): Promise<void> {
  if (runIds.length === 0) return
  const until = sql`GREATEST(r.followed_until, now() + ${ms}::int * interval '1 millisecond')`
  if (runIds.length === 1) {
    await sql`UPDATE holdpoint.runs AS r SET followed_until = ${until}
      WHERE r.id = ${runIds[0]}::uuid`.execute(db)
    return
  }
  await sql`
    UPDATE holdpoint.runs AS r SET followed_until = ${until}
    FROM (SELECT id FROM holdpoint.runs WHERE id = ANY(${runIds}::uuid[])
          ORDER BY id FOR NO KEY UPDATE SKIP LOCKED) AS free
    WHERE r.id = free.id`.execute(db)
}
