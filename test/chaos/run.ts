// The chaos suite. Starts its own Postgres cluster behind a fault proxy, runs the chaos workload
// on worker processes while killing workers, cutting connections, faking ambiguous commits and
// crashing Postgres, then checks from the database and the deliverers' ledgers that no run or
// answer was lost, none applied twice, none stuck. The last line is the verdict; the exit code
// is non-zero on any violation.
// Usage: pnpm chaos [--runs 2000] [--workers 3] [--restarts 2] [--seconds 240] [--seed N] [--keep]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { postgresStore } from 'holdpoint/postgres'
import { parseArgs, type ChaosOptions } from './args.js'
import { PostgresCluster } from './cluster.js'
import { FaultProxy } from './fault-proxy.js'
import { defaultCadence, FaultSchedule, type FaultCounts } from './faults.js'
import { describeCrashes, Fleet } from './fleet.js'
import { readLedgers } from './ledger.js'
import { verify, type ChaosReport } from './verify.js'
import { effectsDdl } from './workload.js'

const options = parseArgs(process.argv.slice(2))
const began = Date.now()
const random = mulberry32(options.seed)

let cluster: PostgresCluster | undefined
let fleet: Fleet | undefined
let ledgerDir: string | undefined

function log(line: string): void {
  const seconds = ((Date.now() - began) / 1000).toFixed(1)
  process.stdout.write(`chaos: [${seconds}s] ${line}\n`)
}

/** Tears everything down; safe to call more than once, and from an exit handler. */
function teardown(): void {
  fleet?.killAll()
  fleet = undefined
  if (options.keep) {
    if (cluster)
      log(`kept the cluster in ${cluster.dir} (start it with pg_ctl -D ${cluster.dataDir} start)`)
    if (ledgerDir) log(`kept the ledgers in ${ledgerDir}`)
  } else {
    cluster?.destroySync()
    if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true })
  }
  cluster = undefined
  ledgerDir = undefined
}
process.on('exit', teardown)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    teardown()
    process.exit(130)
  })
}

/** A small seeded generator, so that a seed replays the same fault choices. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Run counts by status, read directly; `undefined` while Postgres is down. */
async function statusCounts(url: string): Promise<Map<string, number> | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    const { rows } = await client.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM holdpoint.runs GROUP BY status',
    )
    return new Map(rows.map((r) => [r.status, r.n]))
  } catch {
    return undefined
  } finally {
    await client.end().catch(() => {})
  }
}

function unfinished(counts: Map<string, number>): number {
  return (counts.get('running') ?? 0) + (counts.get('waiting_for_input') ?? 0)
}

async function prepareDatabase(pgCluster: PostgresCluster): Promise<string> {
  const admin = new pg.Client({ connectionString: pgCluster.url() })
  await admin.connect()
  await admin.query('CREATE DATABASE chaos')
  await admin.end()
  const directUrl = pgCluster.url('chaos')
  const client = new pg.Client({ connectionString: directUrl })
  await client.connect()
  await client.query(effectsDdl)
  await client.end()
  // Migrate once, directly, before any process races to do it through the faults.
  const store = postgresStore({ connectionString: directUrl, maxConnections: 1 })
  await store.ready()
  await store.close()
  return directUrl
}

async function main(opts: ChaosOptions): Promise<number> {
  log(
    `seed=${opts.seed} runs=${opts.runs} workers=${opts.workers} restarts=${opts.restarts} ` +
      `seconds=${opts.seconds} deliverers=${opts.deliverers} ambiguous=${opts.ambiguous}`,
  )
  cluster = await PostgresCluster.create({ maxConnections: 200 })
  await cluster.start()
  const pgCluster = cluster
  const directUrl = await prepareDatabase(pgCluster)
  const proxy = await FaultProxy.listen({ upstreamPort: pgCluster.port, random })
  ledgerDir = mkdtempSync(join(tmpdir(), 'holdpoint-chaos-ledgers-'))
  const ledgers = ledgerDir
  // Engine connections name themselves, so that backend kills can pick them out.
  const engineUrl = (role: string): string => proxy.url('chaos', `chaos-engine-${role}`)
  const processes = new Fleet()
  fleet = processes
  log(`postgres on ${pgCluster.port} (${pgCluster.dir}), proxy on ${proxy.port}`)

  await Promise.all(
    Array.from({ length: opts.workers }, (_, i) =>
      processes.addWorker([engineUrl(`worker-${i}`), directUrl, String(i)]),
    ),
  )
  const deliverers = await Promise.all(
    Array.from({ length: opts.deliverers }, (_, i) =>
      processes.add(`deliverer ${i}`, 'test/chaos/deliverer-process.ts', [
        engineUrl(`deliverer-${i}`),
        directUrl,
        join(ledgers, `deliverer-${i}.jsonl`),
        String(i),
        String(opts.deliverers),
        String(opts.seed),
      ]),
    ),
  )
  log(`${opts.workers} workers and ${opts.deliverers} deliverers ready`)

  // The schedule: starts spread over the first 45% of the budget, Postgres crashes evenly
  // within it, faults until 10% after it, then a fault-free drain until the budget is spent.
  const budgetMs = opts.seconds * 1000
  const startSpanMs = Math.round(budgetMs * 0.45)
  const faultEndMs = startSpanMs + Math.round(budgetMs * 0.1)
  const restartAt = Array.from(
    { length: opts.restarts },
    (_, i) => (startSpanMs * (i + 1)) / (opts.restarts + 1),
  )
  const chaosBegan = Date.now()
  proxy.ambiguousRate = opts.ambiguous
  const schedule = new FaultSchedule({ cluster: pgCluster, proxy, fleet: processes, random, log })
  schedule.start(defaultCadence, restartAt)
  const starter = await processes.add('starter', 'test/chaos/starter-process.ts', [
    engineUrl('starter'),
    directUrl,
    join(ledgers, 'starter.jsonl'),
    String(opts.runs),
    String(startSpanMs),
    String(chaosBegan),
    String(opts.seed),
  ])
  let started = false
  const watchStarter = (): void => {
    const child = starter.child
    void child.next<{ failures: number; ms: number }>('done').then(
      (done) => {
        started = true
        log(
          `all ${opts.runs} runs started after ${done.ms} ms (${done.failures} failed starts retried)`,
        )
      },
      // A crashed starter is replaced; watch the replacement.
      () => setTimeout(() => !started && starter.child !== child && watchStarter(), 0),
    )
  }
  watchStarter()

  const progress = async (phase: string): Promise<Map<string, number> | undefined> => {
    const counts = await statusCounts(directUrl)
    const c = schedule.counts()
    log(
      `${phase}: ${counts ? [...counts].map(([s, n]) => `${s}=${n}`).join(' ') : 'postgres down'}` +
        ` | kills=${c.kills} pg_restarts=${c.pgRestarts} conn_kills=${c.connKills} ambiguous=${c.ambiguous}`,
    )
    return counts
  }

  let lastReport = 0
  while (Date.now() - chaosBegan < faultEndMs) {
    await sleep(1000)
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now()
      const counts = await progress('faults')
      if (started && counts && unfinished(counts) === 0 && schedule.pgRestarts >= opts.restarts) {
        break
      }
    }
  }
  await schedule.stop()
  proxy.ambiguousRate = 0
  await pgCluster.ensureRunning()
  log('faults stopped; draining')

  // Past the budget, draining goes on only while runs keep finishing (a loaded machine is slow,
  // not stuck), and at most half the budget or a minute more.
  const hardEndMs = budgetMs + Math.min(budgetMs / 2, 60_000)
  let lastUnfinished = Number.POSITIVE_INFINITY
  let lastProgress = Date.now()
  for (;;) {
    const counts = await statusCounts(directUrl)
    if (started && counts && unfinished(counts) === 0) break
    if (counts && unfinished(counts) < lastUnfinished) {
      lastUnfinished = unfinished(counts)
      lastProgress = Date.now()
    }
    const elapsed = Date.now() - chaosBegan
    if (elapsed >= hardEndMs || (elapsed >= budgetMs && Date.now() - lastProgress > 5_000)) {
      log('gave up draining: runs stopped finishing')
      break
    }
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now()
      await progress('drain')
    }
    await sleep(500)
  }
  await progress('end')

  const delivererStats = await Promise.all(deliverers.map((d) => processes.stop(d)))
  await processes.stop(starter, 'done')
  const workerStats = await processes.stopWorkers()
  const workerErrors = new Map<string, number>()
  for (const stats of workerStats) {
    for (const [code, n] of Object.entries((stats?.errors ?? {}) as Record<string, number>)) {
      workerErrors.set(code, (workerErrors.get(code) ?? 0) + n)
    }
  }
  log(
    `errors the last worker processes saw: ${[...workerErrors].map(([c, n]) => `${c}=${n}`).join(' ') || 'none'}`,
  )
  for (const stats of delivererStats) {
    if (stats) log(`deliverer ${String(stats.index)} outcomes: ${JSON.stringify(stats.outcomes)}`)
  }
  const patterns = delivererStats[0]?.patterns
  if (patterns) log(`delivery patterns: ${JSON.stringify(patterns)}`)
  const faults = schedule.counts()
  await proxy.close()

  const report = await verify({ directUrl, ledger: readLedgers(ledgers), owners: processes.owners })
  for (const note of report.notes) log(note)
  const crashes = describeCrashes(processes.crashes).map((c) => `violation: crash: ${c}`)
  const violations = [...report.violations, ...crashes]
  if (!started) violations.push(`violation: not all ${opts.runs} runs were started in time`)
  for (const line of violations) process.stdout.write(`${line}\n`)
  log(`verified in ${((Date.now() - chaosBegan) / 1000).toFixed(1)} s after the first start`)
  process.stdout.write(`${summary(report, faults)}\n`)
  return violations.length > 0 || report.completed !== report.runs ? 1 : 0
}

/** The verdict line; tests parse it. */
function summary(report: ChaosReport, faults: FaultCounts): string {
  return (
    `chaos: runs=${report.runs} completed=${report.completed} lost=${report.lost} ` +
    `double_applied=${report.doubleApplied} stuck=${report.stuck} ` +
    `effect_reexec=${report.effectReexec} kills=${faults.kills} pg_restarts=${faults.pgRestarts} ` +
    `conn_kills=${faults.connKills} ambiguous=${faults.ambiguous}`
  )
}

main(options).then(
  (code) => {
    teardown()
    process.exit(code)
  },
  (error: unknown) => {
    process.stdout.write(
      `chaos: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    if (cluster) process.stdout.write(`${cluster.logTail()}\n`)
    teardown()
    process.exit(2)
  },
)
