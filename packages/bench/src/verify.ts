import type { JsonValue, RunListItem } from 'holdpoint'
import { APPROVE, expectedOutput, type BenchHoldpoint } from './approval-workflow.js'

/** True when a run's output is exactly `expected`: the same keys, the same values. */
export function sameOutput(
  actual: JsonValue | undefined,
  expected: Record<string, string>,
): boolean {
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false
  const keys = Object.keys(actual)
  return (
    keys.length === Object.keys(expected).length &&
    keys.every((key) => actual[key] === expected[key])
  )
}

/**
 * Reads the runs back from the store (as any other process would see them) and lists what is
 * wrong: every run must be paused on `approve`. Runs outside the timed window.
 */
export async function verifyPaused(
  hp: BenchHoldpoint,
  runIds: readonly string[],
): Promise<string[]> {
  const listed = await listAll(hp)
  return runIds.flatMap((runId, i) => {
    const run = listed.get(runId)
    if (runId === '' || !run) return [`run ${i} not found`]
    if (run.status !== 'waiting_for_input') return [`run ${runId} is ${run.status}`]
    if (!run.awaitingInput.some((r) => r.requestId === APPROVE)) {
      return [`run ${runId} does not wait for "${APPROVE}"`]
    }
    return []
  })
}

/**
 * Reads the runs back from the store and lists what is wrong: every run must have completed
 * with `{ status: 'approved', draft: 'Draft for topic-<i>', note: 'ok' }`.
 */
export async function verifyCompleted(
  hp: BenchHoldpoint,
  runIds: readonly string[],
): Promise<string[]> {
  const listed = await listAll(hp)
  return runIds.flatMap((runId, i) => {
    const run = listed.get(runId)
    if (runId === '' || !run) return [`run ${i} not found`]
    if (run.status !== 'completed') return [`run ${runId} is ${run.status}`]
    if (!sameOutput(run.output, expectedOutput(i))) {
      return [`run ${runId} ended with ${JSON.stringify(run.output)}`]
    }
    return []
  })
}

async function listAll(hp: BenchHoldpoint): Promise<Map<string, RunListItem>> {
  const runs = new Map<string, RunListItem>()
  let after: string | undefined
  for (;;) {
    const page = await hp.list({ workflow: 'approval', limit: 1000, ...(after ? { after } : {}) })
    for (const run of page) runs.set(run.runId, run)
    if (page.length < 1000) return runs
    after = page[page.length - 1]?.runId
  }
}
