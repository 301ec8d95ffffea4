import { integerAtLeast, parseCommand, storeFlags, storeOptions, UsageError } from '../args.js'
import { formatEventLine } from '../format-event.js'
import { print } from '../format.js'
import { openProject } from '../open-holdpoint.js'
import { firstSignal } from '../signals.js'
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
  if (values.help) {
    print(runsUsage)
    return 0
  }
  const [runId, ...extra] = positionals
  if (runId === undefined) throw new UsageError('runs watch needs a run id.', runsUsage)
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`, runsUsage)
  const after =
    values.after === undefined ? 0 : integerAtLeast('--after', values.after, 0, runsUsage)

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
