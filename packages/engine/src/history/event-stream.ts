import { HistoryDisabledError, InvalidArgumentError, RunNotFoundError } from '../errors.js'
import { isFinished } from '../status.js'
import type { Store } from '../store/store.js'
import type { EventFollowers } from './event-followers.js'
import { FINAL_EVENT_TYPES, type EventsOptions, type RunEvent } from './run-event.js'

const PAGE = 500
const MAX_SEQ = 2 ** 31 - 1
/**
 * Followers are woken by notifications; this re-read is the safety net for a checkpoint that was
 * already under way when the follow mark was stored, and for notifications lost in a reconnect.
 */
const FIRST_RECHECK_MS = 250
const RECHECK_MS = 30_000

/** Where a process reads history from, and whether it writes any (`createHoldpoint({ history })`). */
export interface HistorySource {
  readonly store: Store
  readonly followers: EventFollowers
  readonly history: boolean
}

/**
 * A run's history from `after`, then (with `follow`) its new events as they are stored, until a
 * final event is the newest one, `signal` aborts, the run is pruned or the Holdpoint closes.
 * Events come in order, each exactly once. `HISTORY_DISABLED` in a process that writes no
 * history: what it would read could miss any part of a run.
 */
export async function* eventStream(
  { store, followers, history }: HistorySource,
  runId: string,
  options: EventsOptions = {},
): AsyncGenerator<RunEvent, void, undefined> {
  if (!history) throw new HistoryDisabledError()
  let after = options.after ?? 0
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new InvalidArgumentError('events({ after })', 'a sequence number (an integer ≥ 0)')
  }
  // Sequence numbers are stored as 32-bit integers: anything beyond is past every run's end.
  after = Math.min(after, MAX_SEQ)
  const { signal } = options
  const subscription = options.follow ? await followers.subscribe(runId) : undefined
  try {
    const run = await store.loadRun(runId)
    if (!run) throw new RunNotFoundError(runId)
    // A finished run's newest event is final; one followed from past its end has nothing to wait for.
    let ended = isFinished(run.status) || run.status === 'failed'
    let wait = FIRST_RECHECK_MS
    let lastRead = false
    while (!signal?.aborted) {
      const page = await store.listEvents(runId, after, PAGE)
      for (const event of page) {
        if (signal?.aborted) return
        yield event
        after = event.seq
      }
      const last = page.at(-1)
      if (last) ended = FINAL_EVENT_TYPES.has(last.type)
      if (page.length === PAGE) continue
      if (!subscription || ended || lastRead) return
      if (!last) {
        // Nothing new: a run pruned meanwhile has nothing more to come, and neither has one that
        // ended without a final event (a process with history off finished it) once what was
        // stored before its end is read.
        const current = await store.loadRun(runId)
        if (!current) return
        if (isFinished(current.status) || current.status === 'failed') {
          lastRead = true
          continue
        }
      }
      await subscription.changed(wait, signal)
      if (subscription.isClosed()) return
      wait = RECHECK_MS
    }
  } finally {
    subscription?.close()
  }
}
