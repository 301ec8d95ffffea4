import pg from 'pg'
import type { PostgresCluster } from './cluster.js'
import type { FaultProxy } from './fault-proxy.js'
import type { Fleet } from './fleet.js'

/** How often each fault strikes, in milliseconds (each interval is jittered by ±25%). */
export interface FaultCadence {
  workerKillMs: number
  dropAllMs: number
  terminateMs: number
}

/** The default cadence: a worker SIGKILL every ~2 s, a wire cut every ~7 s, a backend kill every ~5 s. */
export const defaultCadence: FaultCadence = {
  workerKillMs: 2_000,
  dropAllMs: 7_000,
  terminateMs: 5_000,
}

/** What the faults did, for the summary line. */
export interface FaultCounts {
  kills: number
  pgRestarts: number
  /** Connections cut: by the proxy at the wire, and by `pg_terminate_backend`. */
  connKills: number
  ambiguous: number
}

/**
 * Injects faults on timers until stopped: SIGKILLs workers (and replaces them), cuts every
 * connection at the proxy, terminates engine backends from a direct admin connection, and
 * crashes Postgres (immediate stop, then start) at the times it is given.
 */
export class FaultSchedule {
  pgRestarts = 0
  terminated = 0
  readonly #cluster: PostgresCluster
  readonly #proxy: FaultProxy
  readonly #fleet: Fleet
  readonly #random: () => number
  readonly #log: (line: string) => void
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #running = new Set<Promise<void>>()
  #restarting: Promise<void> | undefined
  #stopped = false

  constructor(options: {
    cluster: PostgresCluster
    proxy: FaultProxy
    fleet: Fleet
    random: () => number
    log: (line: string) => void
  }) {
    this.#cluster = options.cluster
    this.#proxy = options.proxy
    this.#fleet = options.fleet
    this.#random = options.random
    this.#log = options.log
  }

  /** Starts the recurring faults, and the Postgres crashes at `restartAt` (ms from now). */
  start(cadence: FaultCadence, restartAt: readonly number[]): void {
    this.#every(cadence.workerKillMs, () => this.#fleet.killRandomWorker(this.#random))
    this.#every(cadence.dropAllMs, async () => {
      this.#proxy.dropAll()
    })
    this.#every(cadence.terminateMs, () => this.#terminateBackends())
    for (const at of restartAt) this.#at(at, () => this.restartPostgres())
  }

  /** Crashes Postgres and starts it again; other faults wait meanwhile. */
  async restartPostgres(): Promise<void> {
    if (this.#restarting) return this.#restarting
    const began = Date.now()
    this.#restarting = this.#cluster.restart().finally(() => (this.#restarting = undefined))
    await this.#restarting
    this.pgRestarts++
    this.#log(`postgres crashed and restarted (${Date.now() - began} ms)`)
  }

  /** Stops scheduling faults and waits for those in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    await Promise.allSettled([...this.#running])
    await this.#restarting
  }

  /** What all faults did so far. */
  counts(): FaultCounts {
    return {
      kills: this.#fleet.kills,
      pgRestarts: this.pgRestarts,
      connKills: this.#proxy.stats.dropped + this.terminated,
      ambiguous: this.#proxy.stats.ambiguous,
    }
  }

  /** Kills about half of the engine's backends, the way an operator or a failover would. */
  async #terminateBackends(): Promise<void> {
    const admin = new pg.Client({
      connectionString: this.#cluster.url(),
      connectionTimeoutMillis: 2_000,
    })
    admin.on('error', () => {})
    try {
      await admin.connect()
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n
           FROM pg_stat_activity
          WHERE application_name LIKE 'chaos-engine%' AND pid <> pg_backend_pid() AND random() < 0.5`,
      )
      this.terminated += rows[0]?.n ?? 0
    } catch {
      // Postgres is restarting; the next round will find backends again.
    } finally {
      await admin.end().catch(() => {})
    }
  }

  #every(ms: number, fault: () => Promise<void>): void {
    const next = (): void => {
      if (this.#stopped) return
      const timer = setTimeout(
        () => {
          this.#timers.delete(timer)
          void this.#run(fault).finally(next)
        },
        ms * (0.75 + this.#random() * 0.5),
      )
      this.#timers.add(timer)
    }
    next()
  }

  #at(ms: number, fault: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      void this.#run(fault)
    }, ms)
    this.#timers.add(timer)
  }

  #run(fault: () => Promise<void>): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    const running = (async () => {
      if (this.#restarting) await this.#restarting.catch(() => {})
      if (this.#stopped) return
      await fault()
    })().catch((error: unknown) => this.#log(`fault failed: ${String(error)}`))
    this.#running.add(running)
    void running.finally(() => this.#running.delete(running))
    return running
  }
}
