// A chaos worker: one process claiming and executing chaos runs through the fault proxy, until
// it is SIGKILLed (the point) or SIGTERMed at the end (then it stops cleanly).
// Usage: worker-process.ts <proxy-url> <direct-url> <index>
// Prints {"event":"ready","owner":…,"pid":…} once the worker claims, and a line per error to stderr.
import { createHoldpoint } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { outcomeOf } from './outcomes.js'
import { chaosWorkflow, EffectRecorder } from './workload.js'

// Short leases, so that the runs of a killed worker are taken over within seconds.
const leaseMs = 2_000

const [proxyUrl, directUrl, index] = process.argv.slice(2)
if (!proxyUrl || !directUrl || index === undefined) {
  throw new Error('usage: worker-process.ts <proxy-url> <direct-url> <index>')
}

const effects = new EffectRecorder(directUrl, `worker-${index}`)
const hp = createHoldpoint({
  workflows: [chaosWorkflow(effects)],
  store: postgresStore({ connectionString: proxyUrl, maxConnections: 10 }),
  leaseMs,
})
const errors = new Map<string, number>()
const worker = hp.worker({
  concurrency: 8,
  pollMs: 200,
  onError: (error) => {
    // Errors of single runs are expected under faults; keep a tally for the report.
    const outcome = outcomeOf(error)
    errors.set(outcome, (errors.get(outcome) ?? 0) + 1)
  },
})
process.stdout.write(`${JSON.stringify({ event: 'ready', owner: worker.id, pid: process.pid })}\n`)

process.once('SIGTERM', () => {
  void (async () => {
    await worker.stop({ graceMs: 5_000 })
    await hp.close()
    await effects.close()
    process.stdout.write(
      `${JSON.stringify({ event: 'stopped', owner: worker.id, stats: worker.stats, errors: Object.fromEntries(errors) })}\n`,
    )
    process.exit(0)
  })()
})
