import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createHoldpoint } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { parseCommand, printHelp, UsageError } from '../args.js'
import { CliError } from '../cli-error.js'
import { indented, print, stylist, type Stylist } from '../format.js'
import { formatRequests } from '../format-run.js'
import { rejectExtraArguments } from '../option-checks.js'
import { approvalWorkflow } from '../demo/approval-workflow.js'
import { narrator, type ProbeCounts } from '../demo/narrate.js'
import { countsTable } from '../demo/report.js'
import { resumeDemo, type ResumeReport } from '../demo/resume.js'

/** Usage of `holdpoint demo`. */
export const demoUsage = `Usage: holdpoint demo [--answer approve|reject] [--data-dir DIR]

Runs an approval workflow (draft -> review -> publish) on the embedded PGlite store.
Process 1 starts a run, runs it until review asks for approval, prints the pending
request and closes its store. A new OS process then loads the run by id, takes the
answer, resumes the run and prints its output, and the demo shows how often each
piece of node code ran in each process.

  --answer approve|reject   answer without asking (default: ask when stdin is a
                            terminal, else approve)
  --data-dir DIR            keep the database in DIR (default: a temporary directory,
                            removed afterwards)`

const options = {
  answer: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  // Internal: how the demo starts its second process.
  resume: { type: 'string' },
} as const

/**
 * `holdpoint demo`: shows a run pausing in one process and resuming in another.
 *
 * @example
 * ```ts
 * process.exitCode = await demoCommand(['--answer', 'approve'])
 * ```
 */
export async function demoCommand(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  const { values, positionals } = parseCommand(argv, options, demoUsage)
  if (values.help) return printHelp(demoUsage)
  rejectExtraArguments(positionals, demoUsage)
  const choice = values.answer
  if (choice !== undefined && choice !== 'approve' && choice !== 'reject') {
    throw new UsageError(`--answer must be approve or reject, got "${choice}".`, demoUsage)
  }
  if (values.resume !== undefined) {
    if (values['data-dir'] === undefined) {
      throw new UsageError('--resume needs --data-dir.', demoUsage)
    }
    return resumeDemo(values.resume, resolve(cwd, values['data-dir']), choice)
  }

  const s = stylist(process.stdout)
  const keep = values['data-dir'] !== undefined
  const dataDir = keep
    ? resolve(cwd, values['data-dir'] as string)
    : await mkdtemp(join(tmpdir(), 'holdpoint-demo-'))
  try {
    print(
      s('bold', 'Holdpoint demo: a run waits for a person in one process and resumes in another'),
      `  workflow  approval@1: draft -> review (asks "approve") -> publish, or discard`,
      `  store     PGlite in ${dataDir}`,
    )
    const { runId, counts } = await startRun(dataDir, s)
    const child = await runSecondProcess(runId, dataDir, choice)
    print(
      '',
      s('bold', 'How often each piece of node code ran'),
      indented(countsTable(counts, child.counts, s), 2),
    )
    print(
      '',
      `Process 2 re-ran review from its top: code before the await runs again on replay, so the`,
      `notification sits in ctx.step, which ran once in total. Nothing before review ran again.`,
    )
    if (keep) print('', `The run stays in ${dataDir}: holdpoint runs ls --data-dir ${dataDir}`)
    return 0
  } finally {
    if (!keep) await rm(dataDir, { recursive: true, force: true })
  }
}

/** Process 1: starts the run, runs it to the pause, prints the request, closes the store. */
async function startRun(
  dataDir: string,
  s: Stylist,
): Promise<{ runId: string; counts: ProbeCounts }> {
  print('', `${s('bold', `process 1 (pid ${process.pid})`)}: starts the run`)
  const { observe, counts } = narrator(s)
  const hp = createHoldpoint({
    workflows: [approvalWorkflow(observe)],
    store: pgliteStore({ dataDir }),
  })
  try {
    const engine = await hp.start('approval', { topic: 'Holdpoint' })
    print(`  started run ${engine.runId}`)
    const state = await engine.run()
    if (state.status !== 'waiting_for_input') {
      throw new CliError(`The demo run should wait for input, but it is ${state.status}.`)
    }
    print(
      `  run is ${s('yellow', state.status)}; its checkpoint is in the store`,
      '',
      '  pending request',
      indented(formatRequests(state.runId, state.awaitingInput, s, { answerHint: false }), 4),
      '',
      '  process 1 closes its store: from here on the run exists only in the database',
    )
    return { runId: engine.runId, counts }
  } finally {
    // PGlite allows one process per database directory: release it before process 2 opens it.
    await hp.close()
  }
}

/** Process 2: the same script in a new Node process, told to resume the run. */
async function runSecondProcess(
  runId: string,
  dataDir: string,
  choice: string | undefined,
): Promise<ResumeReport> {
  const script = process.argv[1]
  if (script === undefined) throw new CliError('Cannot tell which script to start process 2 with.')
  const args = [...process.execArgv, script, 'demo', '--resume', runId, '--data-dir', dataDir]
  if (choice !== undefined) args.push('--answer', choice)
  const child = spawn(process.execPath, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
  let report: ResumeReport | undefined
  child.on('message', (message: unknown) => {
    if (isReport(message)) report = message
  })
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail)
    child.once('exit', (exitCode) => done(exitCode))
  })
  if (code !== 0) throw new CliError(`Process 2 exited with code ${String(code)}.`)
  if (!report) throw new CliError('Process 2 exited without reporting its counts.')
  return report
}

function isReport(message: unknown): message is ResumeReport {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { kind?: unknown }).kind === 'holdpoint-demo-report'
  )
}
