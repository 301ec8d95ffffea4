import { isWorkflowStatus, type ListOptions, type RunEvent, type WorkflowStatus } from 'holdpoint'
import { parseCommand, printHelp, UsageError } from '../args.js'
import { age, indented, json, print, stylist, table, timestamp } from '../format.js'
import { eventDetails } from '../format-event.js'
import { formatRequests, formatStatus } from '../format-run.js'
import { openProject } from '../open-holdpoint.js'
import { integerOption, rejectExtraArguments } from '../option-checks.js'
import { storeFlags, storeOptions, storeOptionsUsage } from '../store-options.js'
import { watchRun } from './runs-watch.js'

/** Usage of `holdpoint runs`. */
export const runsUsage = `Usage: holdpoint runs ls [--status S[,S…]] [--workflow W] [--limit N] [--json]
       holdpoint runs show <run-id> [--json]
       holdpoint runs watch <run-id> [--after SEQ] [--json]

  ls     lists runs, oldest first, with the requests they wait on (the inbox:
         --status waiting_for_input). Statuses: running, waiting_for_input,
         completed, failed, cancelled. --limit defaults to 100.
  show   prints a run's status, current node, pending requests (prompt, JSON
         Schema, and a command that answers them), state, output, error and history.
  watch  prints the run's history, then each new event as it happens (in any
         process sharing the store), one line each (--json: one JSON object
         each), and exits when the run completes, fails or is cancelled, or on
         Ctrl-C. --after SEQ skips the events up to SEQ.

${storeOptionsUsage}`

/**
 * `holdpoint runs ls|show`.
 *
 * @example
 * ```ts
 * process.exitCode = await runsCommand(['ls', '--status', 'waiting_for_input'])
 * ```
 */
export async function runsCommand(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  const [sub, ...rest] = argv
  switch (sub) {
    case 'ls':
    case 'list':
      return listRuns(rest, cwd)
    case 'show':
      return showRun(rest, cwd)
    case 'watch':
      return watchRun(rest, cwd)
    case undefined:
      throw new UsageError('runs needs a subcommand: ls, show or watch.', runsUsage)
    case '--help':
    case '-h':
    case 'help':
      return printHelp(runsUsage)
    default:
      throw new UsageError(`Unknown subcommand "runs ${sub}".`, runsUsage)
  }
}

const listOptions = {
  ...storeOptions,
  status: { type: 'string' },
  workflow: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const

async function listRuns(argv: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseCommand(argv, listOptions, runsUsage)
  if (values.help) return printHelp(runsUsage)
  rejectExtraArguments(positionals, runsUsage)
  const filter: ListOptions = {}
  if (values.status !== undefined) filter.status = parseStatuses(values.status)
  if (values.workflow !== undefined) filter.workflow = values.workflow
  filter.limit = integerOption(values, 'limit', { min: 1 }, runsUsage)

  const { hp } = await openProject(storeFlags(values), cwd, { needsConfig: false, mustExist: true })
  try {
    const runs = await hp.list(filter)
    if (values.json) {
      print(JSON.stringify(runs, null, 2))
      return 0
    }
    if (runs.length === 0) {
      print('No runs.')
      return 0
    }
    const s = stylist(process.stdout)
    const now = new Date()
    print(
      table([
        ['RUN', 'WORKFLOW', 'STATUS', 'NODE', 'AWAITING', 'UPDATED'].map((h) => s('dim', h)),
        ...runs.map((run) => [
          run.runId,
          `${run.workflowId}@${run.version}`,
          formatStatus(run.status, s),
          run.currentNodes.join(',') || '-',
          run.awaitingInput.map((r) => r.requestId).join(',') || '-',
          age(run.updatedAt, now),
        ]),
      ]),
    )
    return 0
  } finally {
    await hp.close()
  }
}

function parseStatuses(value: string): WorkflowStatus[] {
  const statuses = value.split(',').map((part) => part.trim())
  for (const status of statuses) {
    if (!isWorkflowStatus(status)) {
      throw new UsageError(
        `Unknown status "${status}"; use running, waiting_for_input, completed, failed or cancelled.`,
        runsUsage,
      )
    }
  }
  return statuses as WorkflowStatus[]
}

const showOptions = { ...storeOptions, json: { type: 'boolean' } } as const

async function showRun(argv: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseCommand(argv, showOptions, runsUsage)
  if (values.help) return printHelp(runsUsage)
  const [runId, ...extra] = positionals
  if (runId === undefined) throw new UsageError('runs show needs a run id.', runsUsage)
  rejectExtraArguments(extra, runsUsage)

  const { hp } = await openProject(storeFlags(values), cwd, { needsConfig: true, mustExist: true })
  try {
    const engine = await hp.load(runId)
    const state = engine.executionState
    const events: RunEvent[] = []
    for await (const event of engine.events()) events.push(event)
    if (values.json) {
      print(JSON.stringify({ ...state, events }, null, 2))
      return 0
    }
    const s = stylist(process.stdout)
    const lines = [
      `${s('dim', 'run')}       ${state.runId}`,
      `${s('dim', 'workflow')}  ${state.workflowId}@${state.version}`,
      `${s('dim', 'status')}    ${formatStatus(state.status, s)}`,
      `${s('dim', 'node')}      ${state.currentNodes.join(', ') || '-'}`,
      `${s('dim', 'updated')}   ${timestamp(state.updatedAt)} UTC (${age(state.updatedAt)})`,
    ]
    if (state.awaitingInput.length > 0) {
      lines.push(
        '',
        s('bold', 'waiting for'),
        indented(formatRequests(state.runId, state.awaitingInput, s), 2),
      )
    }
    lines.push('', s('bold', 'state'), json(state.state, 2))
    if (state.output !== undefined) lines.push('', s('bold', 'output'), json(state.output, 2))
    if (state.error) {
      const code = state.error.code ? `[${state.error.code}] ` : ''
      lines.push(
        '',
        s('bold', 'error'),
        `  ${s('red', `${state.error.name} ${code}${state.error.message}`)}`,
      )
    }
    lines.push('', s('bold', 'history'), indented(formatEvents(events), 2))
    print(...lines)
    return 0
  } finally {
    await hp.close()
  }
}

function formatEvents(events: readonly RunEvent[]): string {
  if (events.length === 0) return '(none)'
  return table(
    events.map((event) => [
      String(event.seq),
      timestamp(event.at),
      event.type,
      eventDetails(event),
    ]),
    { align: ['right'] },
  )
}
