import { APPROVE, topicOf, type BenchHoldpoint } from './approval-workflow.js'
import { forEachConcurrently } from './concurrency.js'

/** What starting N runs took. */
export interface StartOutcome {
  /** Run ids by run number; an empty string where the start failed. */
  runIds: string[]
  /** Per run, start → durably paused, in milliseconds (failed runs excluded). */
  latenciesMs: number[]
  wallMs: number
  failures: string[]
}

/**
 * Phase A's work: starts runs `topic-0` … `topic-(n−1)` with at most `c` in flight, and waits for
 * each to be paused on `approve`. `run()` resolves only after the pause's checkpoint committed,
 * so a resolved call means the run is durably paused.
 */
export async function startRuns(hp: BenchHoldpoint, n: number, c: number): Promise<StartOutcome> {
  const runIds = Array.from({ length: n }, () => '')
  const latenciesMs: number[] = []
  const failures: string[] = []
  const begin = performance.now()
  await forEachConcurrently(n, c, async (i) => {
    const t0 = performance.now()
    try {
      const engine = await hp.start('approval', { topic: topicOf(i) })
      const state = await engine.run()
      if (
        state.status !== 'waiting_for_input' ||
        !state.awaitingInput.some((r) => r.requestId === APPROVE)
      ) {
        throw new Error(`run ${engine.runId} is ${state.status}, not waiting for "${APPROVE}"`)
      }
      latenciesMs.push(performance.now() - t0)
      runIds[i] = engine.runId
    } catch (error) {
      failures.push(`start ${topicOf(i)}: ${describe(error)}`)
    }
  })
  return { runIds, latenciesMs, wallMs: performance.now() - begin, failures }
}

/** A one-line description of a thrown value. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
