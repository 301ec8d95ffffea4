import type { z } from 'zod'
import type { RequestInputOptions } from '../definition/request-input.js'
import {
  InputTimeoutError,
  InvalidDefinitionError,
  InvalidInputError,
  RunCancelledError,
} from '../errors.js'
import { toJson, type JsonObject, type JsonValue } from '../json.js'
import type { StoredRequest } from '../store/store.js'
import { jsonSchemaOf } from './json-schema.js'

/** The longest a request's deadline or a durable sleep may lie ahead: dates stay storable. */
export const MAX_WAIT_MS = 100 * 365 * 24 * 60 * 60 * 1000

/** A `timeoutMs` or `ctx.sleep` duration Holdpoint can store a deadline for. */
export function isWaitMs(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_WAIT_MS
}

const maxRequestIdLength = 200

/**
 * The id of the `seq`-th request of a node visit: the one given, or the node id for the first
 * and `node#n` for the n-th. Throws `INVALID_DEFINITION` for an id that cannot be stored.
 */
export function requestIdOf(nodeId: string, seq: number, given: unknown): string {
  const requestId = given ?? (seq === 1 ? nodeId : `${nodeId}#${seq}`)
  if (
    typeof requestId !== 'string' ||
    requestId.length === 0 ||
    requestId.length > maxRequestIdLength
  ) {
    throw new InvalidDefinitionError(
      `Node "${nodeId}": a request id must be a non-empty string of at most ${maxRequestIdLength} characters.`,
    )
  }
  toJson(requestId, 'A request id') // stored as text: no U+0000, no broken surrogates
  return requestId
}

/** A request as first asked: what it asks for, stored once, with its deadline if any. */
export function newRequest(
  at: { nodeId: string; visit: number; requestId: string; seq: number },
  options: RequestInputOptions,
  now: Date,
  maxPayloadBytes?: number,
): StoredRequest {
  const { timeoutMs } = options
  if (timeoutMs !== undefined && !isWaitMs(timeoutMs)) {
    throw new InvalidDefinitionError(
      `Request "${at.requestId}": timeoutMs must be a number of milliseconds from 0 to ${MAX_WAIT_MS} (100 years).`,
    )
  }
  const spec: StoredRequest['spec'] = { inputType: options.inputType ?? 'text' }
  if (options.prompt !== undefined)
    spec.prompt = toJson(String(options.prompt), 'A request prompt') as string
  if (options.options !== undefined)
    spec.options = toJson(options.options, 'Request options') as JsonValue[]
  if (options.schema !== undefined) spec.schema = jsonSchemaOf(options.schema)
  if (options.payload !== undefined)
    spec.payload = requestPayload(at.requestId, options.payload, maxPayloadBytes)
  if (options.default !== undefined)
    spec.default = { value: toJson(options.default, 'A request default') }
  return {
    ...at,
    spec,
    status: 'open',
    answer: undefined,
    answeredAt: null,
    expiresAt: timeoutMs === undefined ? null : new Date(now.getTime() + timeoutMs),
    createdAt: now,
  }
}

function requestPayload(requestId: string, payload: unknown, maxBytes?: number): JsonObject {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidDefinitionError(`Request "${requestId}": payload must be a JSON object.`)
  }
  return toJson(payload, 'A request payload', maxBytes) as JsonObject
}

/**
 * The value a stored request gives the node: its answer (or, once expired, its default) parsed
 * by the request's schema; `INPUT_TIMEOUT` when it expired without a default; `RUN_CANCELLED`
 * when the run was cancelled.
 */
export function answerOf(
  request: StoredRequest,
  schema: z.ZodType | undefined,
  runId: string,
): unknown {
  switch (request.status) {
    case 'answered':
      return parseAnswer(request.requestId, request.answer ?? null, schema)
    case 'expired':
      if (request.spec.default)
        return parseAnswer(request.requestId, request.spec.default.value, schema)
      throw new InputTimeoutError(request.requestId, request.expiresAt ?? request.createdAt)
    case 'closed':
      throw new RunCancelledError(runId, undefined)
    case 'open':
      throw new Error(`Request "${request.requestId}" has no answer yet.`)
  }
}

function parseAnswer(requestId: string, answer: JsonValue, schema: z.ZodType | undefined): unknown {
  if (!schema) return answer
  const parsed = schema.safeParse(answer)
  if (parsed.success) return parsed.data
  throw new InvalidInputError(
    parsed.error.issues.map((i) => ({ requestId, path: i.path, message: i.message, code: i.code })),
  )
}
