import type { Selectable } from 'kysely'
import type { JsonValue } from '../json.js'
import type { Database } from './schema.js'
import type { Checkpoint, RequestSpec, RequestStatus, StoredRequest, StoredStep } from './store.js'

// Rows as the database returns them, and values as statements take them.

export interface RequestRow {
  node: string
  visit: number
  request_id: string
  seq: number
  spec: RequestSpec
  status: RequestStatus
  answer: JsonValue | null
  answered_at: Date | string | null
  expires_at: Date | string | null
  created_at: Date | string
}

export interface StepRow {
  node: string
  visit: number
  key: string
  seq: number
  /** `[result]`, or `null` when the step returned nothing: see `wrappedSql`. */
  result: [JsonValue] | null
}

/** A run row as `RUN_SELECT_LIST` reads it. */
export type RunColumns = Omit<Selectable<Database['holdpoint.runs']>, 'output'> & {
  output: [JsonValue] | null
}

export type RunRow = RunColumns & {
  requests: RequestRow[]
  steps: StepRow[]
}

/** The columns of a run row that loads and exports share, by their names in code. */
export function runFieldsOf(row: RunColumns) {
  return {
    id: row.id,
    workflowId: row.workflow,
    version: row.version,
    status: row.status,
    nodeId: row.node,
    visit: row.visit,
    position: row.position,
    state: row.state,
    outputs: row.outputs,
    input: row.input,
    output: unwrap(row.output),
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function toRequest(row: RequestRow): StoredRequest {
  const answered =
    row.status === 'answered' || (row.status === 'expired' && row.spec.default !== undefined)
  return {
    nodeId: row.node,
    visit: row.visit,
    requestId: row.request_id,
    seq: row.seq,
    spec: row.spec,
    status: row.status,
    answer: answered ? (row.answer ?? null) : undefined,
    answeredAt: toDate(row.answered_at),
    expiresAt: toDate(row.expires_at),
    createdAt: toDate(row.created_at) ?? new Date(0),
  }
}

export function toStep(row: StepRow): StoredStep {
  return {
    nodeId: row.node,
    visit: row.visit,
    key: row.key,
    seq: row.seq,
    result: unwrap(row.result),
  }
}

/**
 * A jsonb column that may hold a JSON `null` (a step or a run that returned `null`) as well as
 * SQL `NULL` (it returned nothing), read wrapped in an array: both arrive as `null` once parsed.
 */
export function wrappedSql(column: string): string {
  return `CASE WHEN ${column} IS NULL THEN NULL ELSE jsonb_build_array(${column}) END`
}

/** A value read with `wrappedSql`, unwrapped: `undefined` for SQL `NULL`. */
export function unwrap(value: [JsonValue] | null): JsonValue | undefined {
  return value === null ? undefined : value[0]
}

/** A run's columns as loads and exports read them, `output` wrapped (see `wrappedSql`). */
export const RUN_SELECT_LIST = `r.id, r.workflow, r.version, r.status, r.node, r.visit,
  r.position, r.state, r.outputs, r.input, ${wrappedSql('r.output')} AS output, r.error,
  r.row_version, r.event_seq, r.created_at, r.updated_at, r.lease_owner, r.lease_until,
  r.wake_at, r.write_token`

/** A step row as one JSON object of `StepRow`'s shape, for aggregating a run's steps. */
export function stepObjectSql(alias: string): string {
  return `jsonb_build_object('node', ${alias}.node, 'visit', ${alias}.visit, 'key', ${alias}.key,
    'seq', ${alias}.seq, 'result', ${wrappedSql(`${alias}.result`)})`
}

export function requestRow(q: StoredRequest): Record<string, unknown> {
  return {
    node: q.nodeId,
    visit: q.visit,
    request_id: q.requestId,
    seq: q.seq,
    spec: q.spec,
    expires_at: q.expiresAt?.toISOString() ?? null,
    created_at: q.createdAt.toISOString(),
  }
}

export function answerRow(a: Checkpoint['answers'][number]): Record<string, unknown> {
  return {
    node: a.nodeId,
    visit: a.visit,
    request_id: a.requestId,
    status: a.status,
    answer: a.answer ?? null,
  }
}

/** Dates arrive as Date from columns and as ISO strings from `to_jsonb`. */
export function toDate(value: Date | string | null): Date | null {
  return value === null ? null : value instanceof Date ? value : new Date(value)
}

export function json(value: unknown): string {
  return JSON.stringify(value)
}
