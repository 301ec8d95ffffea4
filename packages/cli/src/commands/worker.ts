import type { Worker, WorkerStats } from 'holdpoint'
import { parseCommand, printHelp } from '../args.js'
import { describeStore, openProject } from '../open-holdpoint.js'
import { integerOption, rejectExtraArguments } from '../option-checks.js'
import { firstSignal } from '../signals.js'
import { storeFlags, storeOptions, storeOptionsUsage } from '../store-options.js'
import { describeError, workerLog } from '../worker-log.js'

/** Usage of `holdpoint worker`. */
export const workerUsage = `Usage: holdpoint worker [--concurrency N] [--poll-ms MS] [--lease-ms MS] [--grace-ms MS]
                        [--database-url URL | --data-dir DIR] [--config PATH]

Claims runnable runs and runs each to its next halt: runs started or answered with
{ background: true }, request deadlines and ctx.sleep wake-ups that are due, and
runs whose process died, once its lease has run out. Start as many workers as you
like, on as many machines, against one Postgres database; each run is executed by
one process at a time. The workers need the workflows of the config, every version
that still has runs.

Logs one line per event to stderr: started, errors (with the run id and error code),
draining, stopped. On SIGTERM or SIGINT it stops claiming, waits for the runs in
flight to reach their next halt (at most --grace-ms), closes the store and exits
with 0. A second signal exits at once with 1; runs still executing then are taken
over by another worker once their leases run out.

  --concurrency N   runs executed at once (default 4). The Postgres pool gets N + 1
                    connections, and the wake-up listener one more.
  --poll-ms MS      how often to look for due runs when no notification arrives
                    (default 1000); deadlines and sleeps fire within about this long
  --lease-ms MS     how long a run's lease lasts without renewal (default 30000, at
                    least 100). A run whose worker died is taken over this long after
                    its last renewal.
  --grace-ms MS     how long to wait for runs in flight on shutdown (default 30000)

With --data-dir (embedded PGlite) the worker works within this one process only:
PGlite lets one process at a time open a data directory, so nothing else can start
or answer runs there while the worker runs. It runs what is already due. Use Postgres
for workers that serve other processes.

${storeOptionsUsage}`

const options = {
  ...storeOptions,
  concurrency: { type: 'string' },
  'poll-ms': { type: 'string' },
  'lease-ms': { type: 'string' },
  'grace-ms': { type: 'string' },
} as const

/**
 * `holdpoint worker`: runs a worker over the project's store until SIGTERM or SIGINT, then
 * drains it and exits 0.
 *
 * @example
 * ```ts
 * process.exitCode = await workerCommand(['--concurrency', '8', '--database-url', url])
 * ```
 */
export async function workerCommand(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  const { values, positionals } = parseCommand(argv, options, workerUsage)
  if (values.help) return printHelp(workerUsage)
  rejectExtraArguments(positionals, workerUsage)
  // Defaults go to the engine explicitly, so that the startup line shows what is in force.
  const concurrency = integerOption(values, 'concurrency', { min: 1, default: 4 }, workerUsage)
  const pollMs = integerOption(values, 'poll-ms', { min: 1, default: 1000 }, workerUsage)
  const leaseMs = integerOption(values, 'lease-ms', { min: 100, default: 30_000 }, workerUsage)
  const graceMs = integerOption(values, 'grace-ms', { min: 0, default: 30_000 }, workerUsage)

  const log = workerLog(process.stderr)
  const { hp, where } = await openProject(storeFlags(values), cwd, {
    needsConfig: true,
    mustExist: false,
    leaseMs,
    // One connection per run in flight, and one for claiming.
    maxConnections: concurrency + 1,
  })
  let stopped = false
  let worker: Worker
  try {
    // Fail at once on an unreachable database or a schema this code cannot use, rather than
    // logging the same error at every poll.
    await hp.store()
    worker = hp.worker({
      concurrency,
      pollMs,
      onError: (error, runId) => {
        // After a drain that ran out of time, runs cut off by closing the store are expected.
        if (!stopped) log(`${runId === undefined ? '' : `run ${runId}: `}${describeError(error)}`)
      },
    })
  } catch (error) {
    await hp.close()
    throw error
  }
  const workflows = hp.workflows.map((w) => `${w.id}@${w.version}`).join(', ') || 'none'
  log(
    `started ${worker.id}: concurrency ${concurrency}, lease ${leaseMs} ms, poll ${pollMs} ms, ` +
      `${describeStore(where)}, workflows ${workflows}`,
  )

  const signal = await firstSignal((again) => {
    log(`${again} again: exiting at once (in flight: ${inFlight(worker.stats)})`)
    process.exit(1)
  })
  log(`${signal}: draining… (in flight: ${inFlight(worker.stats)}, waiting up to ${graceMs} ms)`)
  await worker.stop({ graceMs })
  const stats = worker.stats
  const left = inFlight(stats)
  stopped = true
  await hp.close()
  log(
    `stopped: claimed ${stats.claimed}, halted ${stats.halted}, errors ${stats.errors}` +
      (left > 0 ? `; ${left} still executing, taken over once their leases run out` : ''),
  )
  // Code still running in a node past the grace period must not keep the process alive: those
  // runs are safe to abandon, since another worker takes them over when their leases run out.
  setTimeout(() => process.exit(), 1000).unref()
  return 0
}

/** Runs claimed and not yet halted or failed. */
function inFlight(stats: WorkerStats): number {
  return stats.claimed - stats.halted - stats.errors
}
