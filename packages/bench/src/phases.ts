import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LATENCY_RUNS, type BenchOptions, type Phase } from './args.js'
import { createTarget, migrateTarget, type Target } from './database.js'
import { perRun, readCommits, readFootprint, type Footprint } from './measure.js'
import type { Job, ProcessReport } from './phase-process.js'
import { percentile } from './stats.js'

/** One phase of one repetition, measured. */
export interface PhaseMeasure {
  phase: Phase
  n: number
  c: number
  wallS: number
  /** Phase A: start → paused; the others: deliver → completed. */
  p50Ms: number
  p99Ms: number
  /** Start → paused, for the phases that start runs (`null` for B). */
  startP50Ms: number | null
  startP99Ms: number | null
  bytesPerRun: number
  rowsPerRun: number
  txnsPerRun: number | null
  /** CPU time of the phase's Holdpoint process per run: less sensitive to a busy machine than wall time. */
  clientCpuMsPerRun: number
  draftExecs: number
  reviewPrePauseExecs: number
  correct: boolean
  /** The 1-minute load average when the phase began: the machine is shared. */
  load1m: number
  /** Bytes and rows per run by table, for the breakdown on stderr. */
  tables: Record<string, { bytes: number; rows: number }>
}

/**
 * Runs one repetition of the selected phases, each on a fresh database (A and B share one: B
 * resumes what A paused). Every phase runs in processes of its own; between them this process
 * reads the database's size and commit counter.
 */
export async function runRepetition(
  options: BenchOptions,
  scratchDir: string,
  log: (line: string) => void,
): Promise<PhaseMeasure[]> {
  const measures: PhaseMeasure[] = []
  const { n, c } = options
  const base = { pool: options.pool, idsFile: join(scratchDir, 'run-ids.json') }
  if (options.phases.includes('A')) {
    await withTarget(options, async (target, empty) => {
      const commitsBeforeA = await readCommits(target)
      const load1m = loadavg()[0] ?? 0
      const a = await runPhaseProcess({ ...base, work: 'start', target, n, c })
      const commitsAfterA = await readCommits(target)
      const afterA = await readFootprint(target)
      measures.push(
        measure({ phase: 'A', n, c, own: a, processes: [a], empty, after: afterA, load1m }, [
          commitsBeforeA,
          commitsAfterA,
        ]),
      )
      log(summary(measures.at(-1) as PhaseMeasure))
      if (!options.phases.includes('B')) return
      // Read again: measuring A's footprint opened a session of its own on the database.
      const commitsBeforeB = await readCommits(target)
      const loadB = loadavg()[0] ?? 0
      const profileFile = options.cpuProfDir
        ? join(options.cpuProfDir, `B-${options.store}-${Date.now()}.cpuprofile`)
        : undefined
      const b = await runPhaseProcess({ ...base, work: 'resume', target, n, c, profileFile })
      const commitsAfterB = await readCommits(target)
      const afterB = await readFootprint(target)
      measures.push(
        measure(
          { phase: 'B', n, c, own: b, processes: [a, b], empty, after: afterB, load1m: loadB },
          [commitsBeforeB, commitsAfterB],
        ),
      )
      log(summary(measures.at(-1) as PhaseMeasure))
    })
  }
  for (const phase of ['S', 'L'] as const) {
    if (!options.phases.includes(phase)) continue
    const runs = phase === 'L' ? Math.min(n, LATENCY_RUNS) : n
    const inFlight = phase === 'L' ? 1 : c
    await withTarget(options, async (target, empty) => {
      const before = await readCommits(target)
      const load1m = loadavg()[0] ?? 0
      const s = await runPhaseProcess({ ...base, work: 'both', target, n: runs, c: inFlight })
      const after = await readCommits(target)
      const footprint = await readFootprint(target)
      const phaseRun = { phase, n: runs, c: inFlight, own: s, processes: [s], empty, load1m }
      measures.push(measure({ ...phaseRun, after: footprint }, [before, after]))
      log(summary(measures.at(-1) as PhaseMeasure))
    })
  }
  return measures
}

async function withTarget(
  options: BenchOptions,
  fn: (target: Target, empty: Footprint) => Promise<void>,
): Promise<void> {
  const { target, dispose } = await createTarget(options.store)
  try {
    await migrateTarget(target)
    await fn(target, await readFootprint(target))
  } finally {
    await dispose()
  }
}

/** What one phase left behind, before it is turned into figures. */
interface PhaseRun {
  phase: Phase
  n: number
  c: number
  /** The report of the process whose timings the phase reports. */
  own: ProcessReport
  /** Every process whose node executions count (for B: P1 and P2). */
  processes: readonly ProcessReport[]
  /** The schema right after migration, and after the phase. */
  empty: Footprint
  after: Footprint
  load1m: number
}

function measure(
  { phase, n, c, own, processes, empty, after, load1m }: PhaseRun,
  [commitsBefore, commitsAfter]: [number | null, number | null],
): PhaseMeasure {
  const wallMs = (own.startWallMs ?? 0) + (own.resumeWallMs ?? 0)
  const latencies = phase === 'A' ? own.startLatenciesMs : own.resumeLatenciesMs
  const hasStart = own.startLatenciesMs.length > 0
  const footprint = perRun(empty, after, n)
  return {
    phase,
    n,
    c,
    wallS: wallMs / 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    startP50Ms: hasStart ? percentile(own.startLatenciesMs, 50) : null,
    startP99Ms: hasStart ? percentile(own.startLatenciesMs, 99) : null,
    bytesPerRun: footprint.bytes,
    rowsPerRun: footprint.rows,
    txnsPerRun:
      commitsBefore === null || commitsAfter === null ? null : (commitsAfter - commitsBefore) / n,
    clientCpuMsPerRun: own.cpuMs / n,
    draftExecs: processes.reduce((sum, p) => sum + p.draftExecs, 0),
    reviewPrePauseExecs: processes.reduce((sum, p) => sum + p.reviewPrePauseExecs, 0),
    correct: processes.every((p) => p.failures.length === 0),
    load1m,
    tables: footprint.tables,
  }
}

function summary(m: PhaseMeasure): string {
  const tables = Object.entries(m.tables)
    .map(([name, t]) => `${name} ${t.rows.toFixed(2)} rows ${Math.round(t.bytes)} B`)
    .join(', ')
  return (
    `  ${m.phase}: ${m.n} runs in ${m.wallS.toFixed(2)} s (${(m.n / m.wallS).toFixed(0)} runs/s), ` +
    `p50 ${m.p50Ms.toFixed(1)} ms, p99 ${m.p99Ms.toFixed(1)} ms, ` +
    `txns/run ${m.txnsPerRun?.toFixed(2) ?? '-'}, cpu/run ${m.clientCpuMsPerRun.toFixed(2)} ms, load ${m.load1m.toFixed(2)}, ` +
    `correct ${m.correct}; per run: ${tables}`
  )
}

/**
 * Runs one phase process (this file's sibling `phase-process`) with this process's Node flags
 * (the TypeScript loader and the source condition), and returns its report.
 */
export async function runPhaseProcess(job: Job): Promise<ProcessReport> {
  const here = fileURLToPath(import.meta.url)
  const script = join(here, '..', `phase-process${extname(here)}`)
  const child = spawn(process.execPath, [...process.execArgv, script, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'))
  if (code !== 0 || line === undefined) {
    throw new Error(`The ${job.work} process exited with code ${code} and no report.`)
  }
  return JSON.parse(line) as ProcessReport
}
