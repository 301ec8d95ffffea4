/** Sends one batch as one statement; results come back in the items' order. */
export type SendBatch<T, R> = (items: readonly T[]) => Promise<R[]>

/** How a `StatementBatcher` groups items. */
export interface BatchLimits<T> {
  /**
   * Items with the same key (a run id) never share a batch, and an item never leaves while a
   * batch holding its key is on the wire: two writes to one run keep their order.
   */
  keyOf: (item: T) => string
  /** Items with the same key may share a batch (reads, which need no order). */
  sharedKeys?: boolean
  /** The item's size as sent, in characters of JSON text. */
  sizeOf: (item: T) => number
  /** Most items in one batch. */
  maxItems: number
  /** Most characters in one batch (a single larger item still goes, alone). */
  maxBytes: number
  /**
   * A batch on the wire for longer than this (waiting on a lock, a slow server) stops holding
   * back the items queued behind it: they leave in a batch of their own.
   */
  stallMs: number
  /** Most batches on the wire at once, stalled ones included. */
  maxOnWire: number
  /**
   * Whether a failed batch may have failed because of one of its items (a value the database
   * refused, a duplicate key): its items are then sent again one by one. Any other failure
   * fails every item of the batch.
   */
  splitOn: (error: unknown) => boolean
}

interface Pending<T, R> {
  item: T
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

interface Wire {
  since: number
  keys: ReadonlySet<string>
}

/**
 * Group commit for one kind of statement. Items submitted while a batch is on the wire wait, and
 * leave together as one statement (one round trip, one commit) when it returns; an idle batcher
 * sends at the end of the event loop's current turn, so no item waits for company longer than
 * that. Every item's promise settles only after its statement has returned, so nothing is
 * acknowledged before its commit.
 *
 * A statement is atomic: a failed batch wrote nothing. When `splitOn` says one of its items may
 * be the cause, its items are sent again one by one, side by side, so each fails or succeeds on
 * its own, exactly as if it had never been batched.
 */
export class StatementBatcher<T, R> {
  readonly #send: SendBatch<T, R>
  readonly #limits: BatchLimits<T>
  #queue: Array<Pending<T, R>> = []
  readonly #wires = new Set<Wire>()
  #scheduled = false
  #stallTimer: ReturnType<typeof setTimeout> | undefined
  #idle: Array<() => void> = []

  constructor(send: SendBatch<T, R>, limits: BatchLimits<T>) {
    this.#send = send
    this.#limits = limits
  }

  /** Resolves once every item submitted so far has been sent and its statement has returned. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#wires.size > 0) {
      await new Promise<void>((resolve) => this.#idle.push(resolve))
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
    while (this.#queue.length > 0 && this.#mayStart()) {
      const batch = this.#take()
      if (batch.length === 0) break // all that waits belongs to runs with a write on the wire
      const wire = { since: performance.now(), keys: this.#keysOf(batch) }
      this.#wires.add(wire)
      void this.#run(batch).finally(() => {
        this.#wires.delete(wire)
        this.#pump()
      })
    }
    // Items of runs with a batch on the wire leave when it returns (which pumps): no stall of
    // another batch lets them go earlier, so only other runs' items are worth a timer.
    if (this.#queue.some((pending) => !this.#onWire(pending))) this.#watchForStall()
    if (this.#queue.length === 0 && this.#wires.size === 0) {
      for (const resolve of this.#idle.splice(0)) resolve()
    }
  }

  /** Nothing on the wire, or everything on it stalled (and room for one more). */
  #mayStart(): boolean {
    if (this.#wires.size === 0) return true
    if (this.#wires.size >= this.#limits.maxOnWire) return false
    const now = performance.now()
    for (const wire of this.#wires) if (now - wire.since < this.#limits.stallMs) return false
    return true
  }

  /** Pumps again once the youngest batch on the wire counts as stalled. */
  #watchForStall(): void {
    if (this.#stallTimer !== undefined || this.#wires.size === 0) return
    if (this.#wires.size >= this.#limits.maxOnWire) return // the next return pumps
    const youngest = Math.max(...[...this.#wires].map((wire) => wire.since))
    const delay = Math.max(1, youngest + this.#limits.stallMs - performance.now())
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined
      this.#pump()
    }, delay)
    this.#stallTimer.unref()
  }

  /** Whether the item must wait for a batch on the wire that holds its key. */
  #onWire(pending: Pending<T, R>): boolean {
    if (this.#limits.sharedKeys) return false
    const key = this.#limits.keyOf(pending.item)
    for (const wire of this.#wires) if (wire.keys.has(key)) return true
    return false
  }

  /** The next batch, in submission order, passing over items it may not take yet. */
  #take(): Array<Pending<T, R>> {
    const { keyOf, sizeOf, maxItems, maxBytes, sharedKeys } = this.#limits
    const busy = new Set<string>()
    if (!sharedKeys) for (const wire of this.#wires) for (const key of wire.keys) busy.add(key)
    const batch: Array<Pending<T, R>> = []
    const rest: Array<Pending<T, R>> = []
    let bytes = 0
    let full = false
    for (const pending of this.#queue) {
      const key = keyOf(pending.item)
      if (full || busy.has(key)) {
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
      if (!sharedKeys) busy.add(key)
      bytes += size
    }
    this.#queue = rest
    return batch
  }

  #keysOf(batch: ReadonlyArray<Pending<T, R>>): ReadonlySet<string> {
    return new Set(batch.map((pending) => this.#limits.keyOf(pending.item)))
  }

  async #run(batch: ReadonlyArray<Pending<T, R>>): Promise<void> {
    let results: R[]
    try {
      results = await this.#send(batch.map((p) => p.item))
    } catch (error) {
      if (batch.length > 1 && this.#limits.splitOn(error)) {
        await Promise.all(batch.map((pending) => this.#run([pending])))
        return
      }
      for (const pending of batch) pending.reject(error)
      return
    }
    batch.forEach((pending, i) => pending.resolve(results[i] as R))
  }
}
