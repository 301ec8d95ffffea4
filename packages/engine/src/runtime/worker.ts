import type { Store } from '../store/store.js'
import type { WorkflowEngine } from './workflow-engine.js'

/** Options of `hp.worker()`. */
export interface WorkerOptions {
  /** Runs executed at once. Default 4. */
  concurrency?: number
  /** How often to look for due runs when no notification arrives. Default 1000 ms. */
  pollMs?: number
  /** Told about errors of single runs and of claiming; they never stop the worker. Default: ignored. */
  onError?: (error: unknown, runId: string | undefined) => void
}

/** Counters of a worker's life so far. */
export interface WorkerStats {
  /** Runs this worker leased. */
  claimed: number
  /** Claimed runs it ran to a halt (waiting, completed, failed, cancelled, or handed back). */
  halted: number
  /** Claimed runs whose execution ended in an error (the run is taken over once its lease runs out). */
  errors: number
}

/** What a worker needs from the Holdpoint that made it. */
export interface WorkerHost {
  readonly owner: string
  readonly leaseMs: number
  /** The workflow versions this process can execute, as `id@version`. */
  readonly workflows: readonly string[]
  store(): Promise<Store>
  load(runId: string): Promise<WorkflowEngine>
  stopped(worker: Worker): void
}

/**
 * Claims runnable runs from the store and runs each to its next halt. Many workers, in many
 * processes on many machines, may share one database: claims use `FOR UPDATE SKIP LOCKED`, and
 * a run's lease keeps one process at a time executing it. Make one with `hp.worker()`.
 */
export class Worker {
  /** The lease owner name this worker claims under (its Holdpoint's). */
  readonly id: string
  readonly #host: WorkerHost
  readonly #concurrency: number
  readonly #pollMs: number
  readonly #onError: (error: unknown, runId: string | undefined) => void
  readonly #inflight = new Map<string, Promise<void>>()
  readonly #stats: WorkerStats = { claimed: 0, halted: 0, errors: 0 }
  readonly #loop: Promise<void>
  #stopping = false
  #nudged = false
  #wake: (() => void) | undefined

  /** @internal Use `hp.worker()`. */
  constructor(host: WorkerHost, options: WorkerOptions) {
    this.#host = host
    this.id = host.owner
    this.#concurrency = options.concurrency ?? 4
    this.#pollMs = options.pollMs ?? 1000
    this.#onError = options.onError ?? (() => {})
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new TypeError('concurrency must be a positive integer.')
    }
    if (!Number.isFinite(this.#pollMs) || this.#pollMs < 1)
      throw new TypeError('pollMs must be positive.')
    this.#loop = this.#claimLoop()
  }

  /** What this worker has done so far. */
  get stats(): WorkerStats {
    return { ...this.#stats }
  }

  /**
   * Stops claiming and waits for the runs in flight to reach their next halt, at most `graceMs`
   * (default 30 s). Runs still executing after that keep their leases until they run out, and
   * another worker takes them over.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.#stopping = true
    this.#nudge()
    await this.#loop
    const grace = options.graceMs ?? 30_000
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(this.#inflight.values()),
      new Promise((resolve) => (timer = setTimeout(resolve, grace))),
    ])
    clearTimeout(timer)
    this.#host.stopped(this)
  }

  async #claimLoop(): Promise<void> {
    const store = await this.#storeWhenReady()
    if (!store) return
    const unlisten = await store
      .listen(() => this.#nudge())
      .catch((error: unknown) => {
        this.#onError(error, undefined)
        return undefined
      })
    try {
      while (!this.#stopping) {
        const free = this.#concurrency - this.#inflight.size
        let claimed: string[] = []
        if (free > 0) {
          try {
            claimed = await store.claim(
              this.#host.owner,
              free,
              this.#host.leaseMs,
              this.#host.workflows,
            )
          } catch (error) {
            this.#onError(error, undefined)
          }
        }
        for (const runId of claimed) this.#execute(runId)
        if (free === 0 || claimed.length < free) await this.#idle()
      }
    } finally {
      await unlisten?.().catch(() => {})
    }
  }

  async #storeWhenReady(): Promise<Store | undefined> {
    while (!this.#stopping) {
      try {
        return await this.#host.store()
      } catch (error) {
        this.#onError(error, undefined)
        await this.#idle()
      }
    }
    return undefined
  }

  #execute(runId: string): void {
    this.#stats.claimed++
    const execution = (async () => {
      try {
        const engine = await this.#host.load(runId)
        await engine.run()
        this.#stats.halted++
      } catch (error) {
        this.#stats.errors++
        this.#onError(error, runId)
      }
    })().finally(() => {
      this.#inflight.delete(runId)
      this.#nudge()
    })
    this.#inflight.set(runId, execution)
  }

  /** Waits for a notification, a free slot, or the poll interval. */
  async #idle(): Promise<void> {
    if (this.#nudged) {
      this.#nudged = false
      return
    }
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.#wake = resolve
      timer = setTimeout(resolve, this.#pollMs)
    })
    clearTimeout(timer)
    this.#wake = undefined
    this.#nudged = false
  }

  #nudge(): void {
    if (this.#wake) this.#wake()
    else this.#nudged = true
  }
}
