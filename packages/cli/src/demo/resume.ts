import { createHoldpoint } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { json, print, stylist } from '../format.js'
import { approvalWorkflow } from './approval-workflow.js'
import { askAnswer, scriptedAnswer } from './ask-answer.js'
import { narrator, type ProbeCounts } from './narrate.js'

/** What process 2 reports to process 1 over the IPC channel. */
export interface ResumeReport {
  kind: 'holdpoint-demo-report'
  pid: number
  counts: ProbeCounts
}

/**
 * Process 2 of the demo: loads the run by id from the database process 1 left behind, gets the
 * reviewer's answer (asked at the terminal, or scripted), resumes the run, prints its output
 * and reports its execution counts to process 1.
 *
 * @example
 * ```ts
 * process.exitCode = await resumeDemo(runId, '/tmp/holdpoint-demo-x', 'approve')
 * ```
 */
export async function resumeDemo(
  runId: string,
  dataDir: string,
  choice: 'approve' | 'reject' | undefined,
): Promise<number> {
  const s = stylist(process.stdout)
  print(
    '',
    `${s('bold', `process 2 (pid ${process.pid})`)}: a new OS process with only the run id and the database`,
  )
  const { observe, counts } = narrator(s)
  const hp = createHoldpoint({
    workflows: [approvalWorkflow(observe)],
    store: pgliteStore({ dataDir }),
  })
  let completed = false
  try {
    const engine = await hp.load(runId)
    const waiting = engine.executionState.awaitingInput.map((r) => `"${r.requestId}"`).join(', ')
    print(`  loaded run ${runId}: ${engine.executionState.status} on ${waiting}`)
    const interactive = choice === undefined && process.stdin.isTTY === true
    const answer = interactive ? await askAnswer() : scriptedAnswer(choice ?? 'approve')
    const how = interactive
      ? ''
      : choice
        ? ' (from --answer)'
        : ' (scripted: stdin is not a terminal)'
    print(`  answer${how}: ${JSON.stringify(answer)}`)
    const state = await engine.run({ approve: answer })
    completed = state.status === 'completed'
    print(`  run is ${s(completed ? 'green' : 'red', state.status)}`)
    if (state.output !== undefined) print('  output:', json(state.output, 4))
    if (state.error) print(`  error: ${state.error.message}`)
  } finally {
    await hp.close()
  }
  const report: ResumeReport = { kind: 'holdpoint-demo-report', pid: process.pid, counts }
  await sendToParent(report)
  return completed ? 0 : 1
}

async function sendToParent(report: ResumeReport): Promise<void> {
  const send = process.send?.bind(process)
  if (!send) {
    print(JSON.stringify(report))
    return
  }
  await new Promise<void>((resolve, reject) =>
    send(report, undefined, undefined, (error: Error | null) =>
      error ? reject(error) : resolve(),
    ),
  )
  // An open IPC channel would keep this process alive.
  process.disconnect()
}
