import type pg from 'pg'
import { REQUEST_EVENTS } from '../../packages/engine/src/store/request-events.js'

// What the verifier reads from the database after a chaos run, all at once.

export interface RunRow {
  id: string
  status: string
  node: string | null
  visit: number
  event_seq: number
  input: { sleepMs?: number } | null
  state: { notes?: unknown } | null
  outputs: Record<string, unknown> | null
  lease_owner?: string | null
  lease_until?: string | null
  wake_at?: string | null
}

export interface EventRow {
  run_id: string
  seq: number
  type: string
  data: Record<string, unknown>
  at: Date
}

export interface RequestRow {
  run_id: string
  node: string
  visit: number
  request_id: string
  status: string
  answer: unknown
  expires_at: Date | null
}

export interface StepRow {
  run_id: string
  node: string
  visit: number
  key: string
}

export interface EffectRow {
  run_id: string
  node: string
  visit: number
  key: string
  role: string
  at: Date
  result_committed: boolean
}

export interface Data {
  runs: RunRow[]
  events: EventRow[]
  requests: RequestRow[]
  steps: StepRow[]
  effects: EffectRow[]
}

export async function load(client: pg.Client): Promise<Data> {
  // to_jsonb keeps this independent of columns later migrations add (lease, wake_at).
  const runs = (
    await client.query<{ row: RunRow }>('SELECT to_jsonb(r) AS row FROM holdpoint.runs r')
  ).rows.map((r) => r.row)
  // History rows, and the events request rows keep (as the engine's own history reads merge them).
  const { rows: events } = await client.query<EventRow>(
    `SELECT h.run_id, h.last_seq - json_array_length(h.events) + e.ord::int AS seq,
       e.value->>0 AS type, e.value->1 AS data, h.at
     FROM holdpoint.history h, json_array_elements(h.events) WITH ORDINALITY AS e(value, ord)
     UNION ALL
     SELECT q.run_id, e.seq, e.type, e.data, e.at
     FROM holdpoint.requests q CROSS JOIN ${REQUEST_EVENTS}
     WHERE e.seq IS NOT NULL
     ORDER BY 1, 2`,
  )
  const { rows: requests } = await client.query<RequestRow>(
    'SELECT run_id, node, visit, request_id, status, answer, expires_at FROM holdpoint.requests',
  )
  const { rows: steps } = await client.query<StepRow>(
    'SELECT run_id, node, visit, key FROM holdpoint.steps',
  )
  const { rows: effects } = await client.query<EffectRow>(
    'SELECT run_id, node, visit, key, role, at, result_committed FROM chaos.effects ORDER BY at',
  )
  return { runs, events, requests, steps, effects }
}

/** How often a request was resolved, by its history. */
