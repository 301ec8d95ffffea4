import {
  AlreadyAnsweredError,
  InvalidArgumentError,
  InvalidInputError,
  RunNotWaitingError,
  UnknownRequestError,
} from '../errors.js'
import { jsonEqual, toJson, type JsonValue } from '../json.js'
import type { ResolvedLimits } from '../limits.js'
import type { WorkflowStatus } from '../status.js'
import type { StoredRequest } from '../store/store.js'
import { awaitedRequests } from './awaiting-input.js'

/** Checks the shape of a delivery and turns its answers into JSON, before anything else looks at them. */
export function parseDelivery(inputData: unknown, limits: ResolvedLimits): Map<string, JsonValue> {
  if (typeof inputData !== 'object' || inputData === null || Array.isArray(inputData)) {
    throw new InvalidInputError([
      { requestId: '', path: [], message: 'Input data must be an object keyed by request ID.' },
    ])
  }
  const entries = Object.entries(inputData)
  if (entries.length > limits.answersPerDelivery) {
    throw new InvalidInputError([
      {
        requestId: '',
        path: [],
        message: `One delivery may carry at most ${limits.answersPerDelivery} answers; it had ${entries.length}.`,
      },
    ])
  }
  const answers = new Map<string, JsonValue>()
  for (const [requestId, value] of entries) {
    answers.set(requestId, toJson(value, `The answer to "${requestId}"`, limits.answerBytes))
  }
  return answers
}

/** The `visits` delivery option, checked. */
export function parseVisits(
  visits: Readonly<Record<string, number>> | undefined,
): Map<string, number> {
  const parsed = new Map<string, number>()
  for (const [requestId, visit] of Object.entries(visits ?? {})) {
    if (!Number.isSafeInteger(visit) || visit < 1) {
      throw new InvalidInputError([
        {
          requestId,
          path: [],
          message: 'A visit must be a positive integer (see awaitingInput[].visit).',
        },
      ])
    }
    parsed.set(requestId, visit)
  }
  return parsed
}

/**
 * Sorts delivered answers against what the run awaits: returns the answers to open requests;
 * drops exact repeats of stored answers; throws `ALREADY_ANSWERED` for a changed answer, and
 * `UNKNOWN_REQUEST` (or `RUN_NOT_WAITING`) for anything else. `lookUp` fetches the closed
 * requests with the given ids, newest first, only when some answer is not for an open request.
 */
export async function freshAnswers(
  answers: ReadonlyMap<string, JsonValue>,
  visits: ReadonlyMap<string, number>,
  run: { id: string; status: WorkflowStatus; requests: readonly StoredRequest[] },
  lookUp: (requestIds: string[]) => Promise<StoredRequest[]>,
): Promise<Map<string, JsonValue>> {
  const open = awaitedRequests(run)
  const isOpen = (requestId: string): boolean =>
    open.some((r) => r.requestId === requestId && (visits.get(requestId) ?? r.visit) === r.visit)
  const elsewhere = [...answers.keys()].filter((id) => !isOpen(id))
  const closed = elsewhere.length > 0 ? await lookUp(elsewhere) : []
  const fresh = new Map<string, JsonValue>()
  const unknown: string[] = []
  for (const [requestId, value] of answers) {
    if (isOpen(requestId)) {
      fresh.set(requestId, value)
      continue
    }
    const pinned = visits.get(requestId)
    const previous = closed.find(
      (r) => r.requestId === requestId && (pinned === undefined || r.visit === pinned),
    )
    if (previous?.status !== 'answered') unknown.push(requestId)
    else if (!jsonEqual(previous.answer ?? null, value)) {
      throw new AlreadyAnsweredError(requestId, previous.answer ?? null)
    }
  }
  if (unknown.length > 0) {
    if (run.status !== 'waiting_for_input') throw new RunNotWaitingError(run.id, run.status)
    throw new UnknownRequestError(
      unknown,
      open.map((r) => r.requestId),
    )
  }
  return fresh
}

/** The earliest expiry among open requests, or `null`. */
export function earliestExpiry(requests: readonly StoredRequest[]): Date | null {
  let next: number | null = null
  for (const r of requests) {
    const t = r.status === 'open' ? r.expiresAt?.getTime() : undefined
    if (t !== undefined && (next === null || t < next)) next = t
  }
  return next === null ? null : new Date(next)
}

/** The `by` delivery option, checked: who answered, as it will be stored in history. */
export function parseAnsweredBy(by: unknown): string | undefined {
  if (by === undefined) return undefined
  if (typeof by !== 'string' || by.length === 0 || by.length > 256) {
    throw new InvalidArgumentError(
      'The `by` option',
      'a non-empty string of at most 256 characters',
    )
  }
  return toJson(by, 'The `by` option') as string
}
