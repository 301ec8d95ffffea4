/**
 * One phase in a process of its own: `node … phase-process.ts '<job JSON>'`. It prints one JSON
 * line, its `ProcessReport`, on stdout; progress and errors go to stderr.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { createBenchHoldpoint, executions } from './approval-workflow.js'
import { startCpuProfiler } from './cpu-profiler.js'
import { openStore, type Target } from './database.js'
import { startRuns } from './phase-start.js'
import { resumeRuns } from './phase-resume.js'
import { describe } from './timed-calls.js'
import { verifyCompleted, verifyPaused } from './verify.js'

/** What a phase process is told to do. */
export interface Job {
  /** `start`: phase A; `resume`: phase B; `both`: S and L (start, then resume, in one process). */
  work: 'start' | 'resume' | 'both'
  target: Target
  n: number
  c: number
  pool: number | undefined
  /** Whether the process writes run history (`--history`). */
  history: boolean
  /** Run ids by run number: `start` writes the file, `resume` reads it. */
  idsFile: string
  /** When set, a V8 CPU profile of the timed work is written to this `.cpuprofile` file. */
  profileFile?: string | undefined
  /** Runs to start and resume on `warmup.target` before the timed work (`--warmup`). */
  warmup?: { target: Target; runs: number } | undefined
}

/** What a phase process reports: its own timings and counts. */
export interface ProcessReport {
  startWallMs: number | null
  resumeWallMs: number | null
  /** CPU time (user + system) this process spent in the timed work, in milliseconds. */
  cpuMs: number
  startLatenciesMs: number[]
  resumeLatenciesMs: number[]
  /** Times `draft` started in this process. */
  draftExecs: number
  /** Times the code before `review`'s pause ran in this process. */
  reviewPrePauseExecs: number
  /** Everything that went wrong; empty when the phase was correct. */
  failures: string[]
}

async function runJob(job: Job): Promise<ProcessReport> {
  const hp = createBenchHoldpoint(await openStore(job.target, job.pool), job.history)
  const report: ProcessReport = {
    startWallMs: null,
    resumeWallMs: null,
    cpuMs: 0,
    startLatenciesMs: [],
    resumeLatenciesMs: [],
    draftExecs: 0,
    reviewPrePauseExecs: 0,
    failures: [],
  }
  try {
    // Opening and checking the schema is process start-up, not part of the timed work.
    await hp.store()
    if (job.warmup) await warmUp(job, job.warmup)
    let runIds: string[] = []
    if (job.work === 'resume') {
      runIds = JSON.parse(await readFile(job.idsFile, 'utf8')) as string[]
    }
    // Profiling only the timed work keeps start-up (module loading, TypeScript) out of it.
    // 4 kHz instead of the default 1 kHz: a phase lasts about a second.
    const profiler = job.profileFile ? await startCpuProfiler(250) : undefined
    const cpu = process.cpuUsage()
    if (job.work !== 'resume') {
      const started = await startRuns(hp, job.n, job.c)
      report.startWallMs = started.wallMs
      report.startLatenciesMs = started.latenciesMs
      report.failures.push(...started.failures)
      runIds = started.runIds
    }
    if (job.work !== 'start') {
      const resumed = await resumeRuns(hp, runIds, job.c)
      report.resumeWallMs = resumed.wallMs
      report.resumeLatenciesMs = resumed.latenciesMs
      report.failures.push(...resumed.failures)
    }
    const used = process.cpuUsage(cpu)
    report.cpuMs = (used.user + used.system) / 1000
    if (profiler && job.profileFile) {
      await writeFile(job.profileFile, JSON.stringify(await profiler.stop()))
    }
    if (job.work === 'start') {
      await writeFile(job.idsFile, JSON.stringify(runIds))
      report.failures.push(...(await verifyPaused(hp, runIds)))
    } else {
      report.failures.push(...(await verifyCompleted(hp, runIds)))
    }
  } catch (error) {
    report.failures.push(describe(error))
  } finally {
    // The parent measures the database after this process is gone: close everything first.
    await hp.close()
  }
  report.draftExecs = executions.draft
  report.reviewPrePauseExecs = executions.reviewPrePause
  return report
}

/**
 * Starts and resumes `runs` runs through a Holdpoint of their own on the warm-up target, so that
 * the timed work meets code V8 has compiled already, as in a process that has been serving for a
 * while. The measured database sees none of it, and the executions it counts are forgotten.
 */
async function warmUp(job: Job, warmup: { target: Target; runs: number }): Promise<void> {
  const hp = createBenchHoldpoint(await openStore(warmup.target, job.pool), job.history)
  try {
    const started = await startRuns(hp, warmup.runs, job.c)
    const resumed = await resumeRuns(hp, started.runIds, job.c)
    const failures = [...started.failures, ...resumed.failures]
    if (failures.length > 0) throw new Error(`The warm-up failed: ${failures[0]}`)
  } finally {
    await hp.close()
  }
  executions.draft = 0
  executions.reviewPrePause = 0
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job
const report = await runJob(job)
for (const failure of report.failures.slice(0, 5)) process.stderr.write(`  ${failure}\n`)
process.stdout.write(`${JSON.stringify(report)}\n`)
