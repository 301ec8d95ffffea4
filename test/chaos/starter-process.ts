// A chaos starter: starts runs in the background through the fault proxy, spread evenly over a
// time span, and writes each acknowledged run id to its ledger. A start that fails is retried
// (the failed one may have been committed all the same: that run must complete too).
// A replacement process (after a crash) starts only the runs its ledger has no record of, on the
// same schedule, which is anchored at <began> (ms since the epoch).
// Usage: starter-process.ts <proxy-url> <direct-url> <ledger-file> <runs> <span-ms> <began> <seed>
// Prints {"event":"ready"} at once and {"event":"done",…} when every run has been acknowledged.
import { createHash } from 'node:crypto'
import { createHoldpoint } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { Ledger, readLedger } from './ledger.js'
import { outcomeOf } from './outcomes.js'
import { chaosWorkflow, EffectRecorder, type ChaosInput } from './workload.js'

const [proxyUrl, directUrl, ledgerFile, runsText, spanText, beganText, seedText] =
  process.argv.slice(2)
if (!proxyUrl || !directUrl || !ledgerFile || !runsText || !spanText || !beganText || !seedText) {
  throw new Error(
    'usage: starter-process.ts <proxy-url> <direct-url> <ledger-file> <runs> <span-ms> <began> <seed>',
  )
}
const runs = Number(runsText)
const spanMs = Number(spanText)
const began = Number(beganText)
const seed = Number(seedText)
const concurrency = 4

const effects = new EffectRecorder(directUrl, 'starter')
const hp = createHoldpoint({
  workflows: [chaosWorkflow(effects)],
  store: postgresStore({ connectionString: proxyUrl, maxConnections: concurrency }),
})
const ledger = new Ledger(ledgerFile)

/** Deadlines of 500 ms to 2 s and sleeps of 100 to 500 ms, varied per run. */
function inputOf(n: number): ChaosInput {
  const digest = createHash('sha256').update(`${seed}|start|${n}`).digest()
  return {
    n,
    confirmTimeoutMs: 500 + (digest.readUInt32BE(0) % 1500),
    sleepMs: 100 + (digest.readUInt32BE(4) % 400),
  }
}

const done = new Set(readLedger(ledgerFile).flatMap((e) => (e.kind === 'started' ? [e.n] : [])))
const todo = Array.from({ length: runs }, (_, n) => n).filter((n) => !done.has(n))
let failures = 0
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid, todo: todo.length })}\n`)

async function startOne(n: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const engine = await hp.start('chaos', inputOf(n), { background: true })
      ledger.append({ kind: 'started', n, runId: engine.runId })
      return
    } catch (error) {
      failures++
      ledger.append({ kind: 'start-failed', outcome: outcomeOf(error) })
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2000)))
    }
  }
}

async function lane(): Promise<void> {
  for (let n = todo.shift(); n !== undefined; n = todo.shift()) {
    const due = began + (spanMs * n) / runs
    const wait = due - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    await startOne(n)
  }
}

await Promise.all(Array.from({ length: concurrency }, () => lane()))
process.stdout.write(
  `${JSON.stringify({ event: 'done', runs, failures, ms: Date.now() - began })}\n`,
)
await hp.close()
await effects.close()
