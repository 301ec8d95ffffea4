import { join } from 'node:path'
import { LATENCY_RUNS, type BenchOptions } from './args.js'
import { createTarget, migrateTarget, type Target } from './database.js'
import { measurePhase, type PhaseMeasure, type PhasePlan } from './measure-phase.js'
import { readFootprint, type Footprint } from './measure.js'
import type { Job, ProcessReport } from './phase-process.js'

/**
 * Runs one repetition of the selected phases, each on a fresh database (A and B share one: B
 * resumes what A paused). Every phase runs in processes of its own; between them this process
 * reads the database's size and commit counter (`measurePhase`). With `--warmup`, the phase
 * processes warm up on one more database, shared by the repetition's phases and dropped after.
 */
export async function runRepetition(
  options: BenchOptions,
  scratchDir: string,
  log: (line: string) => void,
): Promise<PhaseMeasure[]> {
  const measures: PhaseMeasure[] = []
  const measured = async (plan: PhasePlan): Promise<ProcessReport> => {
    const { measure, report } = await measurePhase(plan, log)
    measures.push(measure)
    return report
  }
  const warmupTarget = options.warmup > 0 ? await createTarget(options.store) : undefined
  try {
    if (warmupTarget) await migrateTarget(warmupTarget.target)
    const base = {
      pool: options.pool,
      history: options.history,
      idsFile: join(scratchDir, 'run-ids.json'),
      warmup: warmupTarget && { target: warmupTarget.target, runs: options.warmup },
    }
    await runPhases(options, base, measured)
  } finally {
    await warmupTarget?.dispose()
  }
  return measures
}

/** The selected phases of one repetition, each on targets of its own. */
async function runPhases(
  options: BenchOptions,
  base: Pick<Job, 'pool' | 'history' | 'idsFile' | 'warmup'>,
  measured: (plan: PhasePlan) => Promise<ProcessReport>,
): Promise<void> {
  const { n, c } = options
  if (options.phases.includes('A')) {
    await withTarget(options, async (target, empty) => {
      const a = await measured({ phase: 'A', empty, job: { ...base, work: 'start', target, n, c } })
      if (!options.phases.includes('B')) return
      const profileFile = options.cpuProfDir
        ? join(options.cpuProfDir, `B-${options.store}-${Date.now()}.cpuprofile`)
        : undefined
      const job: Job = { ...base, work: 'resume', target, n, c, profileFile }
      await measured({ phase: 'B', empty, job, earlier: [a] })
    })
  }
  for (const phase of ['S', 'L'] as const) {
    if (!options.phases.includes(phase)) continue
    const runs = phase === 'L' ? Math.min(n, LATENCY_RUNS) : n
    const inFlight = phase === 'L' ? 1 : c
    await withTarget(options, async (target, empty) => {
      await measured({ phase, empty, job: { ...base, work: 'both', target, n: runs, c: inFlight } })
    })
  }
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
