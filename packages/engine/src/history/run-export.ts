import { z } from 'zod'
import { InvalidExportError } from '../errors.js'
import type { JsonObject, JsonValue } from '../json.js'
import { isWorkflowStatus, type WorkflowStatus } from '../status.js'
import type { RunPosition, RunRecord, SerializedError, StoredRequest } from '../store/store.js'
import type { RunEventType } from './run-event.js'

/** The `format` field of every run export. */
export const RUN_EXPORT_FORMAT = 'holdpoint.run'
/** The export version this Holdpoint writes; `hp.import()` refuses others. */
export const RUN_EXPORT_VERSION = 1

/** A request in a run export. */
export interface ExportedRequest {
  nodeId: string
  visit: number
  requestId: string
  seq: number
  spec: StoredRequest['spec']
  status: StoredRequest['status']
  /** Present when the request was answered (or expired with a default). */
  answer?: JsonValue
  answeredAt: string | null
  expiresAt: string | null
  createdAt: string
}

/**
 * A run as a JSON document: what `engine.export()` returns and `hp.import()` takes. Dates are
 * ISO strings; the document survives `JSON.stringify` and `JSON.parse` unchanged.
 */
export interface RunExport {
  format: typeof RUN_EXPORT_FORMAT
  version: typeof RUN_EXPORT_VERSION
  exportedAt: string
  run: {
    id: string
    workflowId: string
    version: number
    status: WorkflowStatus
    nodeId: string | null
    visit: number
    position: RunPosition
    input: JsonValue
    state: JsonObject
    outputs: JsonObject
    output?: JsonValue
    error: SerializedError | null
    createdAt: string
    updatedAt: string
  }
  requests: ExportedRequest[]
  steps: Array<{ nodeId: string; visit: number; key: string; seq: number; result?: JsonValue }>
  history: Array<{ seq: number; at: string; type: RunEventType; data: JsonObject }>
}

/** Turns a stored run into its export document. */
export function toExport(record: RunRecord, now: Date): RunExport {
  const { requests, steps, history, createdAt, updatedAt, output, ...run } = record
  return {
    format: RUN_EXPORT_FORMAT,
    version: RUN_EXPORT_VERSION,
    exportedAt: now.toISOString(),
    run: {
      ...run,
      ...(output === undefined ? {} : { output }),
      createdAt: createdAt.toISOString(),
      updatedAt: updatedAt.toISOString(),
    },
    requests: requests.map((q) => ({
      nodeId: q.nodeId,
      visit: q.visit,
      requestId: q.requestId,
      seq: q.seq,
      spec: q.spec,
      status: q.status,
      ...(q.answer === undefined ? {} : { answer: q.answer }),
      answeredAt: q.answeredAt?.toISOString() ?? null,
      expiresAt: q.expiresAt?.toISOString() ?? null,
      createdAt: q.createdAt.toISOString(),
    })),
    steps: steps.map((s) => ({
      nodeId: s.nodeId,
      visit: s.visit,
      key: s.key,
      seq: s.seq,
      ...(s.result === undefined ? {} : { result: s.result }),
    })),
    history: history.map((e) => ({ ...e, at: e.at.toISOString() })),
  }
}

const json: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(json),
    z.record(z.string(), json),
  ]),
)
const object = z.record(z.string(), json)
const date = z.iso.datetime({ offset: true })
const count = z.number().int().min(1)
const name = z.string().min(1).max(256)
const eventTypes = [
  'run_started',
  'node_started',
  'node_completed',
  'node_failed',
  'input_requested',
  'input_received',
  'input_expired',
  'run_waiting',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'run_retried',
] as const satisfies readonly RunEventType[]

const exportSchema = z.strictObject({
  format: z.literal(RUN_EXPORT_FORMAT),
  version: z.literal(RUN_EXPORT_VERSION, {
    error: `only version ${RUN_EXPORT_VERSION} exports can be imported by this Holdpoint`,
  }),
  exportedAt: date,
  run: z.strictObject({
    id: z.uuid(),
    workflowId: name,
    version: z.number().int().min(1),
    status: z.string().refine(isWorkflowStatus, 'an unknown status'),
    nodeId: name.nullable(),
    visit: z.number().int().min(0),
    position: z.looseObject({
      value: z.union([z.string(), object]),
      visits: z.record(z.string(), count),
      attempt: count.optional(),
      context: object.optional(),
    }),
    input: json,
    state: object,
    outputs: object,
    output: json.optional(),
    error: z
      .looseObject({ name: z.string(), message: z.string(), code: z.string().optional() })
      .nullable(),
    createdAt: date,
    updatedAt: date,
  }),
  requests: z.array(
    z.strictObject({
      nodeId: name,
      visit: count,
      requestId: name,
      seq: count,
      spec: z.looseObject({ inputType: z.string() }),
      status: z.enum(['open', 'answered', 'expired', 'closed']),
      answer: json.optional(),
      answeredAt: date.nullable(),
      expiresAt: date.nullable(),
      createdAt: date,
    }),
  ),
  steps: z.array(
    z.strictObject({ nodeId: name, visit: count, key: name, seq: count, result: json.optional() }),
  ),
  history: z.array(
    z.strictObject({ seq: count, at: date, type: z.enum(eventTypes), data: object }),
  ),
})

/** Checks an export document and turns it back into a stored run; `INVALID_EXPORT` otherwise. */
export function parseExport(doc: unknown): RunRecord {
  const parsed = exportSchema.safeParse(doc)
  if (!parsed.success) throw new InvalidExportError(parsed.error.issues)
  const { run, requests, steps, history } = parsed.data
  // Events written by a process with history off are numbered but not kept: the numbers may skip,
  // never repeat or go back.
  const disorder = history.findIndex((e, i) => e.seq <= (history[i - 1]?.seq ?? 0))
  if (disorder >= 0) {
    throw new InvalidExportError([
      {
        path: ['history', disorder, 'seq'],
        message: `expected more than ${history[disorder - 1]?.seq ?? 0}: sequence numbers increase`,
      },
    ])
  }
  return {
    ...run,
    status: run.status as WorkflowStatus,
    position: run.position as RunPosition,
    output: run.output,
    error: run.error as SerializedError | null,
    createdAt: new Date(run.createdAt),
    updatedAt: new Date(run.updatedAt),
    requests: requests.map((q) => ({
      ...q,
      spec: q.spec as StoredRequest['spec'],
      answer: q.answer,
      answeredAt: q.answeredAt === null ? null : new Date(q.answeredAt),
      expiresAt: q.expiresAt === null ? null : new Date(q.expiresAt),
      createdAt: new Date(q.createdAt),
    })),
    steps: steps.map((s) => ({ ...s, result: s.result })),
    history: history.map((e) => ({ ...e, at: new Date(e.at) })),
  }
}
