// A chaos deliverer: polls the inbox through the fault proxy and answers waiting runs the way
// the shared delivery plan says — once, twice, at the same instant as another deliverer, with a
// conflicting answer, at or after a deadline, or not at all. Every attempt goes to its ledger.
// Usage: deliverer-process.ts <proxy-url> <direct-url> <ledger-file> <index> <deliverers> <seed>
// Runs until SIGTERM, then prints {"event":"stopped",…} and exits.
import { randomUUID } from 'node:crypto'
import { createHoldpoint, type JsonValue } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import {
  planDelivery,
  type DeliveryPlan,
  type OpenRequest,
  type PlannedDelivery,
} from './delivery-plan.js'
import { Ledger } from './ledger.js'
import { isRawError, outcomeOf, retriableOutcomes } from './outcomes.js'
import { chaosWorkflow, EffectRecorder } from './workload.js'

const [proxyUrl, directUrl, ledgerFile, indexText, deliverersText, seedText] = process.argv.slice(2)
if (!proxyUrl || !directUrl || !ledgerFile || !indexText || !deliverersText || !seedText) {
  throw new Error(
    'usage: deliverer-process.ts <proxy-url> <direct-url> <ledger-file> <index> <deliverers> <seed>',
  )
}
const index = Number(indexText)
const deliverers = Number(deliverersText)
const seed = Number(seedText)
const pollMs = 100
const attemptsPerDelivery = 6

// Delivering replays the waiting node up to its request; its effects come from the store then,
// but if one ever ran here it must be on record like any other.
const effects = new EffectRecorder(directUrl, `deliverer-${index}`)
const hp = createHoldpoint({
  workflows: [chaosWorkflow(effects)],
  store: postgresStore({ connectionString: proxyUrl, maxConnections: 8 }),
})
const ledger = new Ledger(ledgerFile)

interface Tracked {
  request: OpenRequest
  plan: DeliveryPlan
  /** This deliverer's share of the plan. */
  mine: PlannedDelivery[]
  busy: boolean
  /** When this deliverer last finished delivering it (0: never). */
  finishedAt: number
  /** When a delivery of it was acknowledged here. */
  okAt: number | undefined
  anomalyReported: boolean
}

const tracked = new Map<string, Tracked>()
const outcomes = new Map<string, number>()
const patterns = new Map<string, number>()
const inflight = new Set<Promise<void>>()
let stopping = false
let polls = 0
let pollErrors = 0

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

/** One attempt: intent in the ledger, the call, its outcome in the ledger. */
async function deliverOnce(request: OpenRequest, answer: JsonValue): Promise<string> {
  const attempt = {
    kind: 'delivery' as const,
    attemptId: randomUUID(),
    runId: request.runId,
    requestId: request.requestId,
    visit: request.visit,
    answer,
    deliverer: index,
  }
  ledger.append({ ...attempt, phase: 'intent' })
  let outcome: string
  try {
    const engine = await hp.load(request.runId)
    await engine.run(
      { [request.requestId]: answer },
      { background: true, visits: { [request.requestId]: request.visit } },
    )
    outcome = outcomeOf()
  } catch (error) {
    outcome = outcomeOf(error)
  }
  ledger.append({ ...attempt, phase: 'outcome', outcome })
  count(outcomes, outcome)
  return outcome
}

/** Delivers like a client that retries what is retriable, a few times with backoff. */
async function deliver(item: Tracked, answer: JsonValue): Promise<void> {
  for (let attempt = 0; attempt < attemptsPerDelivery; attempt++) {
    const outcome = await deliverOnce(item.request, answer)
    if (outcome === 'ok') {
      item.okAt ??= Date.now()
      return
    }
    if (!retriableOutcomes.has(outcome) && !isRawError(outcome)) return
    await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt))
  }
}

function execute(item: Tracked, deliveries: readonly PlannedDelivery[]): void {
  item.busy = true
  const work = (async () => {
    for (const delivery of deliveries) {
      await sleepUntil(delivery.at)
      if (stopping) break
      await deliver(item, delivery.answer)
    }
  })().finally(() => {
    item.busy = false
    item.finishedAt = Date.now()
    inflight.delete(work)
  })
  inflight.add(work)
}

async function poll(): Promise<void> {
  const startedAt = Date.now()
  const open: OpenRequest[] = []
  let after: string | undefined
  for (;;) {
    const page = await hp.list({ status: 'waiting_for_input', limit: 1000, after })
    for (const run of page) {
      for (const request of run.awaitingInput) {
        open.push({
          runId: run.runId,
          requestId: request.requestId,
          visit: request.visit,
          createdAt: request.createdAt,
          expiresAt: request.expiresAt,
        })
      }
    }
    if (page.length < 1000) break
    after = page[page.length - 1]?.runId
  }
  polls++
  for (const request of open) {
    const key = `${request.runId}|${request.requestId}|${request.visit}`
    const known = tracked.get(key)
    if (!known) {
      const plan = planDelivery(seed, request, deliverers)
      const item: Tracked = {
        request,
        plan,
        mine: plan.deliveries.filter((d) => d.deliverer === index),
        busy: false,
        finishedAt: 0,
        okAt: undefined,
        anomalyReported: false,
      }
      tracked.set(key, item)
      if (index === 0) count(patterns, plan.pattern)
      if (item.mine.length > 0) execute(item, item.mine)
      continue
    }
    if (known.busy) continue
    if (known.okAt !== undefined && startedAt > known.okAt) {
      // This poll began after the engine acknowledged an answer, yet the request is still open.
      if (!known.anomalyReported) {
        known.anomalyReported = true
        ledger.append({
          kind: 'anomaly',
          runId: request.runId,
          requestId: request.requestId,
          visit: request.visit,
          message: `acknowledged at ${new Date(known.okAt).toISOString()}, still open in a poll started later`,
        })
      }
      continue
    }
    // Still open after every delivery here was refused or gave up: deliver again, as a client
    // would, so that a refusal for a transient reason does not leave the run waiting forever.
    const first = known.mine[0]
    if (first && known.okAt === undefined && startedAt > known.finishedAt + 500) {
      execute(known, [{ ...first, at: Date.now() }])
    }
  }
}

async function loop(): Promise<void> {
  while (!stopping) {
    try {
      await poll()
    } catch {
      pollErrors++ // the store is down or the connection was cut: poll again
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

const looping = loop()
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`)

process.once('SIGTERM', () => {
  void (async () => {
    stopping = true
    await looping
    await Promise.race([
      Promise.all(inflight),
      new Promise((resolve) => setTimeout(resolve, 5_000)),
    ])
    await hp.close().catch(() => {})
    await effects.close().catch(() => {})
    process.stdout.write(
      `${JSON.stringify({
        event: 'stopped',
        index,
        polls,
        pollErrors,
        tracked: tracked.size,
        outcomes: Object.fromEntries(outcomes),
        patterns: Object.fromEntries(patterns),
      })}\n`,
    )
    process.exit(0)
  })()
})
