import { ANSWER, APPROVE, expectedOutput, type BenchHoldpoint } from './approval-workflow.js'
import { forEachConcurrently } from './concurrency.js'
import { describe } from './phase-start.js'
import { sameOutput } from './verify.js'

/** What resuming the paused runs took. */
export interface ResumeOutcome {
  /** Per run, deliver → durably completed, in milliseconds (failed runs excluded). */
  latenciesMs: number[]
  wallMs: number
  failures: string[]
}

/**
 * Phase B's work: delivers the answer to every run by run id and request key, at most `c` at a
 * time. A delivery is `hp.load(runId)` then `run({ approve: … })`; `run()` resolves after the
 * completing checkpoint committed, and the result it returns is the one stored.
 */
export async function resumeRuns(
  hp: BenchHoldpoint,
  runIds: readonly string[],
  c: number,
): Promise<ResumeOutcome> {
  const latenciesMs: number[] = []
  const failures: string[] = []
  const begin = performance.now()
  await forEachConcurrently(runIds.length, c, async (i) => {
    const runId = runIds[i] as string
    if (runId === '') return // its start failed, and was reported then
    const t0 = performance.now()
    try {
      const engine = await hp.load(runId)
      const state = await engine.run({ [APPROVE]: ANSWER })
      if (state.status !== 'completed') throw new Error(`run ${runId} is ${state.status}`)
      if (!sameOutput(state.output, expectedOutput(i))) {
        throw new Error(`run ${runId} ended with ${JSON.stringify(state.output)}`)
      }
      latenciesMs.push(performance.now() - t0)
    } catch (error) {
      failures.push(`resume ${runId}: ${describe(error)}`)
    }
  })
  return { latenciesMs, wallMs: performance.now() - begin, failures }
}
