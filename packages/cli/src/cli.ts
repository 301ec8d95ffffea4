import { readFileSync } from 'node:fs'
import { HoldpointError } from 'holdpoint'
import { UsageError } from './args.js'
import { CliError } from './cli-error.js'
import { demoCommand } from './commands/demo.js'
import { inputCommand } from './commands/input.js'
import { migrateCommand } from './commands/migrate.js'
import { runsCommand } from './commands/runs.js'
import { serveCommand } from './commands/serve.js'
import { workerCommand } from './commands/worker.js'
import { print } from './format.js'

/** Usage of `holdpoint`. */
export const usage = `Usage: holdpoint <command> [options]

Durable state-machine workflows for human-in-the-loop work.

Commands:
  demo                        run an approval workflow that pauses in one process
                              and resumes in another
  migrate                     apply database migrations, print the schema version
  runs ls                     list runs and the requests they wait on
  runs show <run-id>          show a run's state, pending requests and history
  runs watch <run-id>         print the run's events as they happen, until it ends
  input <run-id> <id>=<json>  answer a run's requests and run it on
  worker                      claim runnable runs and run them (background starts
                              and answers, due deadlines and sleeps, runs of dead
                              processes) until SIGTERM or SIGINT
  serve                       serve the HTTP API (runs, inbox, answers, answer
                              links, event streams, OpenAPI) until SIGTERM or SIGINT

migrate, runs, input, worker and serve read ./holdpoint.config.ts (or .mts, .js, .mjs; --config PATH):
  export default defineConfig({ workflows: [...], databaseUrl?: '...', server?: { keys, ... } })
Their store is --database-url URL or --data-dir DIR (embedded PGlite), else the
config's databaseUrl, else its dataDir, else the embedded PGlite store in ./.holdpoint.

Run "holdpoint <command> --help" for a command's options.`

const commands = new Map<string, (argv: readonly string[]) => Promise<number>>([
  ['demo', demoCommand],
  ['migrate', migrateCommand],
  ['runs', runsCommand],
  ['input', inputCommand],
  ['worker', workerCommand],
  ['serve', serveCommand],
])

/**
 * Runs the CLI and returns its exit code: 0 on success, 1 on an error, 2 on a usage error.
 * Expected errors are printed without a stack trace (set `HOLDPOINT_DEBUG=1` to see one).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2))
 * ```
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  try {
    if (name === undefined) {
      process.stderr.write(`${usage}\n`)
      return 2
    }
    if (name === 'help' || name === '--help' || name === '-h') {
      print(usage)
      return 0
    }
    if (name === '--version' || name === '-v') {
      print(version())
      return 0
    }
    const command = commands.get(name)
    if (!command) throw new UsageError(`Unknown command "${name}".`, usage)
    return await command(rest)
  } catch (error) {
    return report(error)
  }
}

function report(error: unknown): number {
  const debug = Boolean(process.env.HOLDPOINT_DEBUG)
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n\n${error.usage}\n`)
    return 2
  }
  if (HoldpointError.is(error)) {
    process.stderr.write(`error [${error.code}]: ${error.message}\n`)
  } else if (error instanceof CliError) {
    process.stderr.write(`error: ${error.message}\n`)
  } else {
    process.stderr.write(`error: ${messageOf(error)}\n`)
    if (!debug) process.stderr.write('(set HOLDPOINT_DEBUG=1 for details)\n')
  }
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`)
  return 1
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // A failed connection to a host with several addresses is an AggregateError without a message.
  if (error.message === '' && error instanceof AggregateError) {
    return error.errors.map(messageOf).join('; ') || error.name
  }
  return error.message || error.name
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}
