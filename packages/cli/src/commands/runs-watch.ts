import { parseCommand, printHelp, UsageError } from '../args.js'
import { formatEventLine } from '../format-event.js'
import { print } from '../format.js'
import { openProject } from '../open-holdpoint.js'
import { integerOption, rejectExtraArguments } from '../option-checks.js'
import { firstSignal } from '../signals.js'
import { storeFlags, storeOptions } from '../store-options.js'
import { runsUsage } from './runs.js'

const watchOptions = {
  ...storeOptions,
  after: { type: 'string' },
  json: { type: 'boolean' },
} as const

/**
 * `holdpoint runs watch <run-id>`: follows the run's events (`hp.events(runId, { follow: true })`)
 * and prints one line per event until the run ends or Ctrl-C; exits 0 either way.
 *
 * @example
 * ```ts
 * process.exitCode = await watchRun(['0193…', '--after', '4'], process.cwd())
 * ```
 */
export async function watchRun(argv: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseCommand(argv, watchOptions, runsUsage)
  if (values.help) return printHelp(runsUsage)
  const [runId, ...extra] = positionals
  if (runId === undefined) throw new UsageError('runs watch needs a run id.', runsUsage)
  rejectExtraArguments(extra, runsUsage)
  const after = integerOption(values, 'after', { min: 0, default: 0 }, runsUsage)

  const { hp } = await openProject(storeFlags(values), cwd, { needsConfig: false, mustExist: true })
  const stop = new AbortController()
  // Ctrl-C ends the iteration quietly; a second one exits at once.
  void firstSignal(() => process.exit(130)).then(() => stop.abort())
  try {
    for await (const event of hp.events(runId, { after, follow: true, signal: stop.signal })) {
      print(values.json ? JSON.stringify(event) : formatEventLine(event))
    }
    return 0
  } finally {
    await hp.close()
  }
}
