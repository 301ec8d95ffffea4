import { APPROVE, topicOf, type BenchHoldpoint } from './approval-workflow.js'
import { timeCalls, type TimedCalls } from './timed-calls.js'

/** What starting N runs took. */
export interface StartOutcome extends TimedCalls {
  /** Run ids by run number; an empty string where the start failed. */
  runIds: string[]
}

/**
 * Phase A's work: starts runs `topic-0` … `topic-(n−1)` with at most `c` in flight, and waits for
 * each to be paused on `approve`. `run()` resolves only after the pause's checkpoint committed,
 * so a resolved call means the run is durably paused. Latencies: start → durably paused.
 */
export async function startRuns(hp: BenchHoldpoint, n: number, c: number): Promise<StartOutcome> {
  const runIds = Array.from({ length: n }, () => '')
  const timed = await timeCalls({ count: n, c, label: (i) => `start ${topicOf(i)}` }, async (i) => {
    const engine = await hp.start('approval', { topic: topicOf(i) })
    const state = await engine.run()
    if (
      state.status !== 'waiting_for_input' ||
      !state.awaitingInput.some((r) => r.requestId === APPROVE)
    ) {
      throw new Error(`run ${engine.runId} is ${state.status}, not waiting for "${APPROVE}"`)
    }
    runIds[i] = engine.runId
  })
  return { runIds, ...timed }
}
