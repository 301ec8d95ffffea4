import type { Checkpoint, NewRunEvent, StoredRequest } from './store.js'

// The history events that only restate a request's life — asked (`input_requested`), the wait
// that followed (`run_waiting`), answered (`input_received`) — are kept by the request's row:
// its sequence numbers and the little they add. A pause or an answer then appends no history
// row, and readers merge the events back in by sequence number (`REQUEST_EVENTS`).

/** Where in its checkpoint's events a request's own events stand (1-based), and what they add. */
export interface RequestEventColumns {
  requested_offset?: number
  waiting_offset?: number
  waiting_ids?: string[]
  answer_offset?: number
  answered_by?: string | null
}

/** A checkpoint's events split between its request rows and its history row. */
export interface SplitEvents {
  /** The events for the history row: all of them, or none when the request rows keep them. */
  stored: NewRunEvent[]
  /** What each new request's row keeps, by `requestKey`. */
  requested: Map<string, RequestEventColumns>
  /** What each answered request's row keeps, by `requestKey`. */
  answered: Map<string, RequestEventColumns>
}

/** A request's identity within its run, as a map key. */
export function requestKey(r: { nodeId: string; visit: number; requestId: string }): string {
  return `${r.nodeId}\u0000${r.visit}\u0000${r.requestId}`
}

/**
 * Splits the events of a write (a start or a checkpoint): each `input_requested` of a new request
 * and each `input_received` of an answer goes to that request's row, and a `run_waiting` that
 * follows new requests to the last of them — when the request rows can keep every event of the
 * write (a pause, an answer). Otherwise all stay in its history row, so that a history row always
 * holds a run of consecutive events. With history off (`writeHistory: false`) nothing keeps them.
 */
export function splitEvents(write: {
  events: readonly NewRunEvent[]
  newRequests?: readonly StoredRequest[]
  answers?: Checkpoint['answers']
  writeHistory?: boolean
}): SplitEvents {
  const { events, newRequests = [], answers = [] } = write
  const split: SplitEvents = { stored: [], requested: new Map(), answered: new Map() }
  if (write.writeHistory === false) return split
  // Most writes (a node's completion) have no request to hand events to: all go to history.
  if (newRequests.length === 0 && answers.length === 0) {
    split.stored = [...events]
    return split
  }
  const opened = new Set(newRequests.map(requestKey))
  const answeredNow = new Set(answers.filter((a) => a.status === 'answered').map(requestKey))
  const last = newRequests.at(-1)
  events.forEach((event, i) => {
    const offset = i + 1
    const data = event.data as Record<string, unknown>
    const key =
      typeof data.requestId === 'string' &&
      typeof data.node === 'string' &&
      typeof data.visit === 'number'
        ? requestKey({ nodeId: data.node, visit: data.visit, requestId: data.requestId })
        : undefined
    if (event.type === 'input_requested' && key !== undefined && opened.has(key)) {
      const columns = split.requested.get(key) ?? {}
      if (columns.requested_offset === undefined) {
        split.requested.set(key, { ...columns, requested_offset: offset })
        return
      }
    } else if (event.type === 'run_waiting' && last && Array.isArray(data.requestIds)) {
      const key = requestKey(last)
      const columns = split.requested.get(key) ?? {}
      if (columns.waiting_offset === undefined) {
        split.requested.set(key, {
          ...columns,
          waiting_offset: offset,
          waiting_ids: data.requestIds as string[],
        })
        return
      }
    } else if (event.type === 'input_received' && key !== undefined && answeredNow.has(key)) {
      if (!split.answered.has(key)) {
        const by = typeof data.by === 'string' ? data.by : null
        split.answered.set(key, { answer_offset: offset, answered_by: by })
        return
      }
    }
    split.stored.push(event)
  })
  if (split.stored.length === 0) return split
  return { stored: [...events], requested: new Map(), answered: new Map() }
}

/**
 * The events request rows keep, as rows of (seq, at, type, data) from each row of `q` (requests
 * with their `schema`, see `requestSchemaSql`) that keeps one; `seq` is `NULL` for the others.
 */
export const REQUEST_EVENTS = `LATERAL (VALUES
  (q.requested_seq, q.created_at, 'input_requested',
    json_build_object('requestId', q.request_id, 'node', q.node, 'visit', q.visit)),
  (q.waiting_seq, q.created_at, 'run_waiting', json_build_object('requestIds', q.waiting_ids)),
  (q.answer_seq, q.answered_at, 'input_received', CASE WHEN q.answered_by IS NULL
    THEN json_build_object('requestId', q.request_id, 'node', q.node, 'visit', q.visit)
    ELSE json_build_object('requestId', q.request_id, 'node', q.node, 'visit', q.visit,
      'by', q.answered_by) END)
) AS e(seq, at, type, data)`
