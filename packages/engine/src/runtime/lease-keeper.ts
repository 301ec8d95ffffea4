import type { Lease } from '../store/store.js'
import { HoldpointError, RunLeasedError } from '../errors.js'
import type { EngineHost } from './engine-host.js'
import type { NodeExecution } from './node-execution.js'
import type { RunWriter } from './run-writer.js'

/**
 * The lease of one run in this process: taken before executing the run, renewed at every
 * checkpoint and every third of its length while a node runs or a retry waits, let go when the
 * run halts. Losing it (a takeover after it ran out, or a cancel) stops the execution here.
 */
export class LeaseKeeper {
  readonly #host: EngineHost
  readonly #writer: RunWriter

  constructor(host: EngineHost, writer: RunWriter) {
    this.#host = host
    this.#writer = writer
  }

  /** True when this process holds a lease with enough time left to start work under it. */
  holds(): boolean {
    const lease = this.#writer.run.lease
    return (
      lease?.owner === this.#host.owner &&
      lease.until.getTime() - Date.now() > this.#host.leaseMs / 3
    )
  }

  /**
   * Takes the run's lease; throws `RUN_LEASED` while another live process holds it. False when
   * the run changed meanwhile (it was reloaded: look again).
   */
  async acquire(): Promise<boolean> {
    const lease = this.#writer.run.lease
    if (heldByAnother(lease, this.#host.owner)) {
      throw new RunLeasedError(this.#writer.run.id, lease.owner, lease.until)
    }
    try {
      await this.#writer.write(
        {},
        { scheduling: this.#writer.holding(), requireLease: this.#host.owner },
      )
      return true
    } catch (error) {
      if (HoldpointError.is(error, 'CONCURRENT_MODIFICATION')) return false
      throw error
    }
  }

  /** Lets go of a lease held on a run this process has nothing to do for. */
  async release(live: NodeExecution | undefined): Promise<void> {
    if (this.#writer.run.lease?.owner !== this.#host.owner) return
    await this.#writer.write({}, { scheduling: this.#writer.resting(live) })
  }

  /** Waits for `work`, renewing the lease meanwhile; calls `onLost` if the lease is lost. */
  async whileRenewing<T>(work: Promise<T>, onLost: () => void): Promise<T> {
    if (this.#writer.run.lease?.owner !== this.#host.owner) return work
    const beat = setInterval(() => {
      void this.#renew().then((renewed) => {
        if (!renewed) onLost()
      })
    }, this.#beatMs())
    try {
      return await work
    } finally {
      clearInterval(beat)
    }
  }

  /** Waits `ms` holding the lease; false (after reloading the run) if the lease was lost meanwhile. */
  async wait(ms: number): Promise<boolean> {
    const until = Date.now() + ms
    while (Date.now() < until) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(this.#beatMs(), until - Date.now())),
      )
      if (Date.now() < until && !(await this.#renew())) {
        await this.#writer.reload().catch(() => {})
        return false
      }
    }
    return true
  }

  async #renew(): Promise<boolean> {
    const { store, owner, leaseMs } = this.#host
    let renewed: boolean
    try {
      renewed = await store.renewLease(this.#writer.run.id, owner, leaseMs)
    } catch {
      return true // the store blinked; the next beat tries again, well before the lease runs out
    }
    if (renewed) this.#writer.run.lease = { owner, until: new Date(Date.now() + leaseMs) }
    return renewed
  }

  #beatMs(): number {
    return Math.max(20, this.#host.leaseMs / 3)
  }
}

/** True while a process other than `owner` holds the lease and it has not run out. */
export function heldByAnother(lease: Lease | null, owner: string): lease is Lease {
  return lease !== null && lease.owner !== owner && lease.until.getTime() > Date.now()
}
