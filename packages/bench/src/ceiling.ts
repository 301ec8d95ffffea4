/**
 * The ceiling (BENCH_SPEC.md): the benchmark's writes done by `pgbench`, a C client with no
 * engine. Phase A is one transaction inserting a run row and its request row, phase B one
 * transaction updating both, phase L the three commits of one same-process resume in sequence
 * (the scripts in ../pgbench). Phase L's script is then sent from Node through `pg` as well
 * (`system: "node-pg"`), the floor for a Node engine. Prints one JSON line per phase, client
 * count and client: `pnpm bench:ceiling [--clients 1,8,32] [--seconds 10] [--phases A,B,L]`.
 */
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCeilingArgs, type CeilingPhase } from './ceiling-args.js'
import { prepareCeilingTables } from './ceiling-tables.js'
import { createTarget } from './database.js'
import { runScriptFromNode } from './node-floor.js'
import {
  findPgbench,
  pgbenchVersion,
  runPgbench,
  runPgbenchLogged,
  type PgbenchSummary,
} from './pgbench.js'
import { percentile, round } from './stats.js'

const log = (line: string): void => void process.stderr.write(`${line}\n`)

/** One line of the ceiling's report for phase A or B. */
interface CeilingLine extends PgbenchSummary {
  system: 'pgbench'
  version: string
  phase: 'A' | 'B'
  /** The 1-minute load average when the run began: the machine is shared. */
  load_1m: number
}

/**
 * Phase L's line, from pgbench or from Node (`node-pg`). `tps` counts resumes per second and
 * `latency_avg_ms` is the average per script execution, that is per resume (pgbench's own, or the
 * Node run's wall time divided by its executions); the percentiles come from each execution's
 * time, in pgbench's per-execution log or as Node timed it.
 */
interface LatencyLine extends Omit<CeilingLine, 'phase' | 'system'> {
  system: 'pgbench' | 'node-pg'
  phase: 'L'
  p50_ms: number | null
  p99_ms: number | null
}

/** Runs `body` on a fresh database holding the paused runs, so no run inherits another's rows. */
async function withPreparedDatabase(body: (url: string) => Promise<void>): Promise<void> {
  const { target, dispose } = await createTarget('postgres')
  try {
    if (target.kind !== 'postgres') throw new Error('unreachable')
    await prepareCeilingTables(target.url)
    await body(target.url)
  } finally {
    await dispose()
  }
}

/** Phase L's percentiles of per-execution times, in milliseconds to the microsecond. */
const latencyPercentiles = (latenciesMs: readonly number[]) => ({
  p50_ms: round(percentile(latenciesMs, 50), 3),
  p99_ms: round(percentile(latenciesMs, 99), 3),
})

const loadNow = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100

const print = (line: CeilingLine | LatencyLine): void =>
  void process.stdout.write(`${JSON.stringify(line)}\n`)

async function main(): Promise<void> {
  const options = parseCeilingArgs(process.argv.slice(2))
  const binary = await findPgbench()
  const version = await pgbenchVersion(binary)
  const scripts = fileURLToPath(new URL('../pgbench/', import.meta.url))
  const script = (phase: CeilingPhase): string => join(scripts, `${phase.toLowerCase()}.sql`)
  const { seconds } = options
  log(`${version}, ${cpus().length} CPUs, ${seconds} s per run`)

  const throughput = options.phases.filter((p): p is 'A' | 'B' => p !== 'L')
  if (throughput.length > 0) {
    for (const c of options.clients) {
      await withPreparedDatabase(async (url) => {
        for (const phase of throughput) {
          const load_1m = loadNow()
          const summary = await runPgbench({
            binary,
            url,
            script: script(phase),
            clients: c,
            seconds,
          })
          print({ system: 'pgbench', version, phase, ...summary, load_1m })
        }
      })
    }
  }

  if (options.phases.includes('L')) {
    await withPreparedDatabase(async (url) => {
      const load_1m = loadNow()
      // One client, as phase L resumes one run at a time. `-M prepared` because Holdpoint
      // prepares its statements once per connection: parsing and planning them again on every
      // resume would put work in the ceiling that Holdpoint does not do.
      const { summary, latenciesMs } = await runPgbenchLogged({
        binary,
        url,
        script: script('L'),
        clients: 1,
        seconds,
        options: ['-M', 'prepared'],
      })
      print({
        system: 'pgbench',
        version,
        phase: 'L',
        ...summary,
        ...latencyPercentiles(latenciesMs),
        load_1m,
      })
      // The same script from Node, on the same database, right after.
      const nodeLoad = loadNow()
      const floor = await runScriptFromNode(url, script('L'), seconds)
      print({
        system: 'node-pg',
        version: floor.version,
        phase: 'L',
        C: 1,
        threads: 1,
        seconds,
        tps: Math.round(floor.executions / floor.wallSeconds),
        latency_avg_ms: round((floor.wallSeconds * 1000) / floor.executions, 3),
        transactions: floor.executions,
        ...latencyPercentiles(floor.latenciesMs),
        load_1m: nodeLoad,
      })
    })
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
