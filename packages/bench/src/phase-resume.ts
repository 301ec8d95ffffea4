import { ANSWER, APPROVE, expectedOutput, type BenchHoldpoint } from './approval-workflow.js'
import { timeCalls, type TimedCalls } from './timed-calls.js'
import { sameOutput } from './verify.js'

/**
 * Phase B's work: delivers the answer to every run by run id and request key, at most `c` at a
 * time. A delivery is `hp.deliver(runId, { approve: … })`: for a run the process does not hold
 * (phase B) `hp.load(runId)` then `run()`, for one it holds (S, L) `run()` on its engine. It
 * resolves after the completing checkpoint committed, and the result it returns is the one
 * stored. Latencies: deliver → durably completed.
 */
export function resumeRuns(
  hp: BenchHoldpoint,
  runIds: readonly string[],
  c: number,
): Promise<TimedCalls> {
  const runIdOf = (i: number): string => runIds[i] as string
  return timeCalls(
    {
      count: runIds.length,
      c,
      label: (i) => `resume ${runIdOf(i)}`,
      skip: (i) => runIdOf(i) === '', // its start failed, and was reported then
    },
    async (i) => {
      const runId = runIdOf(i)
      const state = await hp.deliver(runId, { [APPROVE]: ANSWER })
      if (state.status !== 'completed') throw new Error(`run ${runId} is ${state.status}`)
      if (!sameOutput(state.output, expectedOutput(i))) {
        throw new Error(`run ${runId} ended with ${JSON.stringify(state.output)}`)
      }
    },
  )
}
