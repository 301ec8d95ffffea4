import type { JsonValue } from 'holdpoint'
import { parseCommand, printHelp, UsageError } from '../args.js'
import { print, stylist } from '../format.js'
import { formatOutcome } from '../format-run.js'
import { openProject } from '../open-holdpoint.js'
import { storeFlags, storeOptions, storeOptionsUsage } from '../store-options.js'

/** Usage of `holdpoint input`. */
export const inputUsage = `Usage: holdpoint input <run-id> <request-id>=<json> [<request-id>=<json>…] [--json]

Answers a run's pending requests and runs it on, in this process, until it completes,
fails or waits again. Each value is parsed as JSON, or taken as a plain string when it
is not valid JSON:

  holdpoint input 0193… approve='{"approved":true,"note":"ok"}'
  holdpoint input 0193… reviewer=alice

An answer is validated against the request's schema first; when it is rejected,
nothing is stored and the run stays as it was. Exits with 1 when the run fails.

${storeOptionsUsage}`

/**
 * Parses `key=value` arguments into answers keyed by request id; each value is JSON, or a plain
 * string when it does not parse as JSON.
 *
 * @example
 * ```ts
 * parseAnswers(['approve={"approved":true}', 'note=fine']) // { approve: { approved: true }, note: 'fine' }
 * ```
 */
export function parseAnswers(pairs: readonly string[]): Record<string, JsonValue> {
  const answers: Record<string, JsonValue> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UsageError(`"${pair}" is not <request-id>=<value>.`, inputUsage)
    const key = pair.slice(0, at)
    if (Object.hasOwn(answers, key)) {
      throw new UsageError(`Request "${key}" is answered twice.`, inputUsage)
    }
    const text = pair.slice(at + 1)
    try {
      answers[key] = JSON.parse(text) as JsonValue
    } catch {
      answers[key] = text
    }
  }
  return answers
}

/**
 * `holdpoint input`: delivers answers and runs the run on.
 *
 * @example
 * ```ts
 * process.exitCode = await inputCommand([runId, 'approve={"approved":true,"note":"ok"}'])
 * ```
 */
export async function inputCommand(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  const options = { ...storeOptions, json: { type: 'boolean' } } as const
  const { values, positionals } = parseCommand(argv, options, inputUsage)
  if (values.help) return printHelp(inputUsage)
  const [runId, ...pairs] = positionals
  if (runId === undefined) throw new UsageError('input needs a run id.', inputUsage)
  if (pairs.length === 0) {
    throw new UsageError('input needs at least one <request-id>=<value>.', inputUsage)
  }
  const answers = parseAnswers(pairs)

  const { hp } = await openProject(storeFlags(values), cwd, { needsConfig: true, mustExist: true })
  try {
    const engine = await hp.load(runId)
    const state = await engine.run(answers)
    print(
      values.json ? JSON.stringify(state, null, 2) : formatOutcome(state, stylist(process.stdout)),
    )
    return state.status === 'failed' ? 1 : 0
  } finally {
    await hp.close()
  }
}
