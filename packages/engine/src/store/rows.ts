import { createHash } from 'node:crypto'
import { sql, type Selectable } from 'kysely'
import type { JsonObject, JsonValue } from '../json.js'
import type { Database } from './schema.js'
import type { Checkpoint, RequestSpec, RequestStatus, StoredRequest, StoredStep } from './store.js'

// Rows as the database returns them, and values as statements take them.

export interface RequestRow {
  node: string
  visit: number
  request_id: string
  seq: number
  /** The spec without its schema, which `holdpoint.schemas` keeps (see `requestSchemaSql`). */
  spec: RequestSpec
  schema?: JsonObject | null
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
export type RunColumns = Omit<
  Selectable<Database['holdpoint.runs']>,
  'output' | 'followed_until'
> & {
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
  const spec = specOf(row)
  const answered =
    row.status === 'answered' || (row.status === 'expired' && spec.default !== undefined)
  return {
    nodeId: row.node,
    visit: row.visit,
    requestId: row.request_id,
    seq: row.seq,
    spec,
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
 * A json column that may hold a JSON `null` (a step or a run that returned `null`) as well as
 * SQL `NULL` (it returned nothing), read wrapped in an array: both arrive as `null` once parsed.
 */
export function wrappedSql(column: string): string {
  return `CASE WHEN ${column} IS NULL THEN NULL ELSE json_build_array(${column}) END`
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
  return `json_build_object('node', ${alias}.node, 'visit', ${alias}.visit, 'key', ${alias}.key,
    'seq', ${alias}.seq, 'result', ${wrappedSql(`${alias}.result`)})`
}

/** A request's spec with its schema put back. */
export function specOf(row: Pick<RequestRow, 'spec' | 'schema'>): RequestSpec {
  return row.schema ? { ...row.spec, schema: row.schema } : row.spec
}

/**
 * A request's schema, from `holdpoint.schemas` (selected as `schema` beside the request's
 * columns). Schemas are stored once each, under an id derived from their text (`schemaId`): the
 * requests of every run that asks the same question share one row.
 */
export function requestSchemaSql(alias: string): string {
  return `(SELECT s.schema FROM holdpoint.schemas s WHERE s.id = ${alias}.schema_id)`
}

/** A request's schema as a column beside those of requests aliased `q`. */
export const requestSchemaColumn = sql<JsonObject | null>`${sql.raw(requestSchemaSql('q'))}`.as(
  'schema',
)

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether a text is a uuid: ids that are not cannot name a run, and are not sent to Postgres. */
export function isUuid(text: string): boolean {
  return uuidPattern.test(text)
}

/** The id a schema's JSON text is stored under: the first 128 bits of its SHA-256, as a uuid. */
export function schemaId(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** A new request as a row of the batched statements: its spec, and its schema apart. */
export function requestRow(q: StoredRequest): Record<string, unknown> {
  const { schema, ...spec } = q.spec
  const schemaText = schema === undefined ? null : JSON.stringify(schema)
  return {
    node: q.nodeId,
    visit: q.visit,
    request_id: q.requestId,
    seq: q.seq,
    spec,
    schema_id: schemaText === null ? null : schemaId(schemaText),
    schema: schemaText === null ? null : schema,
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
