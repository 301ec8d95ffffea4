import { isUnavailable } from './guarded-dialect.js'

/** Sends one batch as one statement; results come back in the items' order. */
export type SendBatch<T, R> = (items: readonly T[]) => Promise<R[]>

/** How a `StatementBatcher` groups items. */
export interface BatchLimits<T> {
  /** Items with the same key never share a batch, so two writes to one run keep their order. */
  keyOf: (item: T) => string
  /** The item's size as sent, in characters of JSON text. */
  sizeOf: (item: T) => number
  /** Most items in one batch. */
  maxItems: number
  /** Most characters in one batch (a single larger item still goes, alone). */
  maxBytes: number
  /** Batches on the wire at once; later items wait and leave together when one returns. */
  maxInFlight: number
}

interface Pending<T, R> {
  item: T
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

/**
 * Group commit for one kind of statement. Items submitted while earlier batches are on the wire
 * wait, and leave together as one statement (one round trip, one commit) when a batch returns;
 * an idle batcher sends at the end of the event loop's current turn, so no item ever waits for
 * company longer than that. Every item's promise settles
 * only after its statement has returned, so nothing is acknowledged before its commit.
 *
 * A statement is atomic: a failed batch wrote nothing. When it failed for a reason other than a
 * lost connection (a bad item, a duplicate key), its items are sent again one by one, side by
 * side, so each fails or succeeds on its own — exactly as if it had never been batched.
 */
export class StatementBatcher<T, R> {
  readonly #send: SendBatch<T, R>
  readonly #limits: BatchLimits<T>
  #queue: Array<Pending<T, R>> = []
  #inFlight = 0
  #scheduled = false
  #drained: Array<() => void> = []

  constructor(send: SendBatch<T, R>, limits: BatchLimits<T>) {
    this.#send = send
    this.#limits = limits
  }

  /** Resolves once every item submitted so far has been sent and its statement has returned. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#inFlight > 0 || this.#scheduled) {
      await new Promise<void>((resolve) => this.#drained.push(resolve))
    }
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject })
      if (this.#scheduled) return
      // Everything submitted before the event loop turns leaves together: all the runs that one
      // returning batch set going reach their next write in the same turn, and a microtask would
      // send the first of them alone, making the rest wait a round trip for it.
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        this.#pump()
      })
    })
  }

  #pump(): void {
    while (this.#inFlight < this.#limits.maxInFlight && this.#queue.length > 0) {
      const batch = this.#take()
      this.#inFlight++
      void this.#run(batch).finally(() => {
        this.#inFlight--
        this.#pump()
        if (this.#inFlight === 0 && this.#queue.length === 0) {
          for (const resolve of this.#drained.splice(0)) resolve()
        }
      })
    }
  }

  /** The next batch, in submission order, passing over items whose key it already holds. */
  #take(): Array<Pending<T, R>> {
    const { keyOf, sizeOf, maxItems, maxBytes } = this.#limits
    const batch: Array<Pending<T, R>> = []
    const rest: Array<Pending<T, R>> = []
    const keys = new Set<string>()
    let bytes = 0
    let full = false
    for (const pending of this.#queue) {
      const key = keyOf(pending.item)
      if (full || keys.has(key)) {
        rest.push(pending)
        continue
      }
      const size = sizeOf(pending.item)
      if (batch.length > 0 && (batch.length === maxItems || bytes + size > maxBytes)) {
        full = true
        rest.push(pending)
        continue
      }
      batch.push(pending)
      keys.add(key)
      bytes += size
    }
    this.#queue = rest
    return batch
  }

  async #run(batch: ReadonlyArray<Pending<T, R>>): Promise<void> {
    let results: R[]
    try {
      results = await this.#send(batch.map((p) => p.item))
    } catch (error) {
      if (batch.length === 1 || isUnavailable(error)) {
        for (const pending of batch) pending.reject(error)
        return
      }
      await Promise.all(batch.map((pending) => this.#run([pending])))
      return
    }
    batch.forEach((pending, i) => pending.resolve(results[i] as R))
  }
}
