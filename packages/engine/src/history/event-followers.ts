import type { Store } from '../store/store.js'

/** How long a follow mark lasts in the store; renewed at a third of it while someone follows. */
const MARK_MS = 60_000

/** Wakes one follower of a run when the run may have new events. */
export interface FollowSubscription {
  /** Resolves when new events may be there, after `ms`, or when `signal` aborts. */
  changed(ms: number, signal: AbortSignal | undefined): Promise<void>
  /** True once the followers were closed (the Holdpoint is closing): the stream should end. */
  isClosed(): boolean
  close(): void
}

/**
 * The followers of runs in this process. One `LISTEN` serves them all; each followed run is
 * marked in the store, so that its checkpoints — and only those of followed runs — notify.
 * Checkpoints written by this process wake followers here directly.
 */
export class EventFollowers {
  readonly #store: () => Promise<Store>
  readonly #byRun = new Map<string, Set<Waiter>>()
  #listening: Promise<() => Promise<void>> | undefined
  #renewal: NodeJS.Timeout | undefined
  #closed = false

  constructor(store: () => Promise<Store>) {
    this.#store = store
  }

  /**
   * Starts following a run. The first follower in this process stores the run's mark before
   * this resolves; later ones share it. A checkpoint that was already under way when the mark
   * landed, or a notification sent while `LISTEN` was still connecting, is caught by the stream's
   * early re-read and by the wake-up sent on every (re)connect.
   */
  async subscribe(runId: string): Promise<FollowSubscription> {
    const store = await this.#store()
    this.#listening ??= store.listenEvents((id) => this.wake(id))
    await this.#listening
    const waiter = new Waiter()
    const waiters = this.#byRun.get(runId) ?? new Set<Waiter>()
    const first = waiters.size === 0
    waiters.add(waiter)
    this.#byRun.set(runId, waiters)
    if (first) await store.follow([runId], MARK_MS)
    this.#renewal ??= setInterval(() => void this.#renew(), MARK_MS / 3).unref()
    return {
      changed: (ms, signal) => waiter.next(ms, signal),
      isClosed: () => this.#closed,
      close: () => this.#unsubscribe(runId, waiter),
    }
  }

  /** New events of a run (or, without an id, of any run) may be stored. */
  wake(runId: string | undefined): void {
    if (runId === undefined) {
      for (const waiters of this.#byRun.values()) for (const w of waiters) w.wake()
      return
    }
    for (const w of this.#byRun.get(runId) ?? []) w.wake()
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#renewal)
    this.#renewal = undefined
    for (const waiters of this.#byRun.values()) for (const w of waiters) w.wake()
    this.#byRun.clear()
    const listening = this.#listening
    this.#listening = undefined
    const unlisten = await listening?.catch(() => undefined)
    await unlisten?.().catch(() => {})
  }

  #unsubscribe(runId: string, waiter: Waiter): void {
    const waiters = this.#byRun.get(runId)
    waiters?.delete(waiter)
    if (waiters?.size === 0) this.#byRun.delete(runId)
  }

  async #renew(): Promise<void> {
    const runIds = [...this.#byRun.keys()]
    if (runIds.length === 0) return
    const store = await this.#store().catch(() => undefined)
    await store?.follow(runIds, MARK_MS).catch(() => {})
  }
}

/** A flag that a wake sets and `next` consumes, so a wake between two waits is not lost. */
class Waiter {
  #woken = false
  #resolve: (() => void) | undefined

  wake(): void {
    this.#woken = true
    this.#resolve?.()
  }

  next(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#woken || signal?.aborted) {
      this.#woken = false
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.#resolve = undefined
        this.#woken = false
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done)
      this.#resolve = done
    })
  }
}
