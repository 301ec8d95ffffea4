/**
 * Measuring one phase: the sequence every phase (A, B, S, L) goes through, written once. The
 * phase runs in a process of its own; around it, this process reads the database's commit
 * counter, the load average and the schema's footprint, and turns them and the process's report
 * into the phase's figures.
 */
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Phase } from './args.js'
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

/** One phase to measure. */
export interface PhasePlan {
  phase: Phase
  /** What the phase's process does; its `n` and `c` are the phase's N and C. */
  job: Job
  /** The schema right after migration. */
  empty: Footprint
  /**
   * Reports of earlier processes on the same runs, whose node executions and failures count too
   * (for B: A's process, P1).
   */
  earlier?: readonly ProcessReport[]
}

/**
 * Measures one phase: reads the commit counter, notes the load average, runs the phase's process,
 * reads the commit counter again and the schema's footprint (both once the process has exited),
 * logs the summary line and returns the figures with the process's report.
 *
 * The counter is read before every phase, not carried over from the one before: measuring a
 * footprint opens a session of its own on the database.
 */
export async function measurePhase(
  plan: PhasePlan,
  log: (line: string) => void,
): Promise<{ measure: PhaseMeasure; report: ProcessReport }> {
  const { target } = plan.job
  const commitsBefore = await readCommits(target)
  const load1m = loadavg()[0] ?? 0
  const report = await runPhaseProcess(plan.job)
  const commitsAfter = await readCommits(target)
  const after = await readFootprint(target)
  const measure = figures(plan, report, after, [commitsBefore, commitsAfter], load1m)
  log(summary(measure))
  return { measure, report }
}

function figures(
  { phase, job: { n, c }, empty, earlier = [] }: PhasePlan,
  own: ProcessReport,
  after: Footprint,
  [commitsBefore, commitsAfter]: [number | null, number | null],
  load1m: number,
): PhaseMeasure {
  const processes = [...earlier, own]
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
async function runPhaseProcess(job: Job): Promise<ProcessReport> {
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
