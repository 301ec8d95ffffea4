import { ConcurrentModificationError, RunLeasedError, StoreUnavailableError } from '../errors.js'
import type {
  Checkpoint,
  NewRunEvent,
  RunFields,
  Scheduling,
  StoredRequest,
  StoredRun,
} from '../store/store.js'
import { earliestExpiry } from './answers.js'
import { heldByAnother } from './lease-keeper.js'
import type { EngineHost } from './engine-host.js'
import type { NodeExecution } from './node-execution.js'
import { retryUnavailable } from './store-retry.js'
import { writeToken } from './write-token.js'

/** What one checkpoint writes besides the run's fields. */
export interface WriteParts {
  scheduling: Scheduling
  /** Write only if the lease is free, expired, or held by this owner. */
  requireLease?: string
  newRequests?: StoredRequest[]
  answers?: Checkpoint['answers']
  events?: NewRunEvent[]
  /** Close every request still open (a cancel). */
  closeOpenRequests?: boolean
  /** Asked after losing a race: did the other writer store exactly what this one meant to? */
  onConflict?: () => Promise<boolean>
}

/** How a write ended (a lost race that is not a duplicate or a cancel throws instead). */
export type WriteOutcome = 'written' | 'duplicate' | 'cancelled'

/**
 * Holds a run as its engine last saw it, and writes its checkpoints: one compare-and-swap
 * statement each, read back when the connection fails mid-write.
 */
export class RunWriter {
  run: StoredRun
  readonly #host: EngineHost
  readonly #dropProgress: () => void

  /** `dropProgress` discards the engine's in-memory execution when another writer moved the run. */
  constructor(host: EngineHost, run: StoredRun, dropProgress: () => void) {
    this.#host = host
    this.run = run
    this.#dropProgress = dropProgress
  }

  /** The lease held by this process, renewed at every checkpoint while the run executes here. */
  holding(): Scheduling {
    return { lease: { owner: this.#host.owner, ms: this.#host.leaseMs }, wake: 'lease' }
  }

  /** No lease; wake at the earliest deadline the run waits on, if any. */
  resting(live: NodeExecution | undefined): Scheduling {
    const requests = earliestExpiry(this.run.requests)
    const node = live?.nextDeadline() ?? null
    const wake = [requests, node]
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0]
    return { lease: null, wake: wake ?? null }
  }

  /**
   * Writes one checkpoint guarded by the row version (and, with `requireLease`, by the lease).
   * When another writer got there first, the engine drops its in-memory progress, reloads, and
   * throws `CONCURRENT_MODIFICATION` (or `RUN_LEASED`) — unless `onConflict` says the other
   * writer did the same thing (`duplicate`), or the run was cancelled (`cancelled`: the caller
   * stops quietly).
   */
  async write(fields: Partial<RunFields>, parts: WriteParts): Promise<WriteOutcome> {
    const run = this.run
    const next: RunFields = {
      status: run.status,
      nodeId: run.nodeId,
      visit: run.visit,
      position: run.position,
      state: run.state,
      outputs: run.outputs,
      output: run.output,
      error: run.error,
      ...fields,
      updatedAt: this.#host.now(),
    }
    const checkpoint: Checkpoint = {
      runId: run.id,
      expectedVersion: run.rowVersion,
      token: writeToken(),
      run: next,
      scheduling: parts.scheduling,
      newRequests: parts.newRequests ?? [],
      answers: parts.answers ?? [],
      closeOpenRequests: parts.closeOpenRequests ?? false,
      events: parts.events ?? [],
    }
    if (!this.#host.history) checkpoint.writeHistory = false
    if (parts.requireLease !== undefined) checkpoint.requireLease = parts.requireLease
    if (await this.checkpoint(checkpoint)) {
      if (checkpoint.events.length > 0) this.#host.followers.wake(run.id)
      const { lease, wake } = parts.scheduling
      const until = lease ? new Date(Date.now() + lease.ms) : null
      this.run = {
        ...run,
        ...next,
        requests: requestsAfter(run.requests, checkpoint),
        rowVersion: run.rowVersion + 1,
        lease: lease && until ? { owner: lease.owner, until } : null,
        wakeAt:
          wake === null ? null : wake === 'now' ? new Date() : wake === 'lease' ? until : wake,
      }
      return 'written'
    }
    // Lost to a write of this very engine that landed meanwhile (a cancel beside a node's
    // checkpoint): the run is where this engine put it, and its progress here stands. The reload
    // still drops it if yet another writer moved the run since.
    if (this.run.rowVersion === run.rowVersion) this.#dropProgress()
    await this.reload()
    if (parts.onConflict && (await parts.onConflict())) return 'duplicate'
    if (this.run.status === 'cancelled') return 'cancelled'
    const lease = this.run.lease
    if (parts.requireLease && heldByAnother(lease, parts.requireLease)) {
      throw new RunLeasedError(this.run.id, lease.owner, lease.until)
    }
    throw new ConcurrentModificationError(this.run.id)
  }

  /**
   * Writes a checkpoint. When the connection fails mid-write the outcome is unknown (the commit
   * may have happened): the store is read back until it answers, to tell whether this very write
   * landed, and the write is retried only if it did not.
   */
  async checkpoint(checkpoint: Checkpoint): Promise<boolean> {
    const { store } = this.#host
    try {
      return await store.checkpoint(checkpoint)
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error
    }
    return retryUnavailable(async () => {
      const stored = await store.loadRun(checkpoint.runId)
      if (!stored) return false
      if (
        stored.rowVersion === checkpoint.expectedVersion + 1 &&
        stored.writeToken === checkpoint.token
      ) {
        return true
      }
      if (stored.rowVersion !== checkpoint.expectedVersion) return false
      return store.checkpoint(checkpoint)
    })
  }

  async reload(): Promise<void> {
    const run = await this.#host.store.loadRun(this.run.id)
    if (!run) throw new ConcurrentModificationError(this.run.id)
    // Read before a write of this engine committed, and answered after it: the engine holds the
    // newer row already (row versions only grow).
    if (run.rowVersion < this.run.rowVersion) return
    if (run.rowVersion !== this.run.rowVersion) this.#dropProgress()
    this.run = run
  }
}

/** The run's requests as a written checkpoint leaves them: answered, expired, closed, or new. */
function requestsAfter(requests: StoredRequest[], cp: Checkpoint): StoredRequest[] {
  const at = cp.run.updatedAt
  const resolved = requests.map((r) => {
    if (r.status !== 'open') return r
    if (cp.closeOpenRequests) return { ...r, status: 'closed' as const }
    const answer = cp.answers.find(
      (a) => a.requestId === r.requestId && a.nodeId === r.nodeId && a.visit === r.visit,
    )
    return answer ? { ...r, status: answer.status, answer: answer.answer, answeredAt: at } : r
  })
  return cp.newRequests.length > 0 ? [...resolved, ...cp.newRequests] : resolved
}
