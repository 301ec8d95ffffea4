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
export function verifyPaused(hp: BenchHoldpoint, runIds: readonly string[]): Promise<string[]> {
  return verifyEach(hp, runIds, 'waiting_for_input', (run) =>
    run.awaitingInput.some((r) => r.requestId === APPROVE)
      ? undefined
      : `does not wait for "${APPROVE}"`,
  )
}

/**
 * Reads the runs back from the store and lists what is wrong: every run must have completed
 * with `{ status: 'approved', draft: 'Draft for topic-<i>', note: 'ok' }`.
 */
export function verifyCompleted(hp: BenchHoldpoint, runIds: readonly string[]): Promise<string[]> {
  return verifyEach(hp, runIds, 'completed', (run, i) =>
    sameOutput(run.output, expectedOutput(i))
      ? undefined
      : `ended with ${JSON.stringify(run.output)}`,
  )
}

/** Lists, for each run, what is wrong: missing, in another status, or failing `check`. */
async function verifyEach(
  hp: BenchHoldpoint,
  runIds: readonly string[],
  status: RunListItem['status'],
  check: (run: RunListItem, index: number) => string | undefined,
): Promise<string[]> {
  const listed = await listAll(hp)
  return runIds.flatMap((runId, i) => {
    const run = listed.get(runId)
    if (runId === '' || !run) return [`run ${i} not found`]
    if (run.status !== status) return [`run ${runId} is ${run.status}`]
    const problem = check(run, i)
    return problem === undefined ? [] : [`run ${runId} ${problem}`]
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
