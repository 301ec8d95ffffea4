import pg from 'pg'
import { load, type Data } from './database-snapshot.js'
import { Verdict } from './verdict.js'
import { indexData, requestKey, visitKey, type Index, type Resolutions } from './verify-index.js'
import type { DeliveryEntry, LedgerEntry } from './ledger.js'
import { isRawError, refusedOutcomes } from './outcomes.js'
import { effectKeys } from './workload.js'

/** What the verifier needs besides the database. */
export interface VerifyInput {
  /** A direct connection string to the chaos database. */
  directUrl: string
  /** Every ledger entry of every starter and deliverer. */
  ledger: readonly LedgerEntry[]
  /** Lease owner ids of every worker that ran; node completions by anyone else are reported. */
  owners?: ReadonlySet<string>
}

/** The verdict, with the counters of the summary line. */
export interface ChaosReport {
  runs: number
  completed: number
  /** Acknowledged runs missing from the store, and acknowledged answers not stored. */
  lost: number
  /**
   * Requests resolved more than once, node visits completed more than once, stored answers no
   * delivery that could have applied carried, and runs that went on with an answer other than the
   * stored one.
   */
  doubleApplied: number
  /** Runs still running or waiting for input. */
  stuck: number
  /** Effects executed again before their result was committed (allowed: the first one crashed). */
  effectReexec: number
  /** Everything that breaks a promise, one line each. */
  violations: string[]
  /** Facts for the reader that break nothing. */
  notes: string[]
}

/**
 * Checks the promises against the database and the ledgers, after the faults have stopped:
 * every run completed, no run or acknowledged answer lost, every answer applied exactly once
 * and equal to one that was delivered, no node visit completed twice, no run stuck, and no
 * effect executed after its result had been committed.
 */
export async function verify(input: VerifyInput): Promise<ChaosReport> {
  const client = new pg.Client({ connectionString: input.directUrl })
  await client.connect()
  let data: Data
  try {
    data = await load(client)
  } finally {
    await client.end()
  }
  const verdict = new Verdict()
  const index = indexData(data, input)
  checkRuns(index, verdict)
  checkHistories(index, input, verdict)
  checkAnswers(index, verdict)
  checkUsedAnswers(index, verdict)
  checkEffects(index, verdict)
  checkLedger(index, input, verdict)
  return {
    runs: new Set([...index.runs.keys(), ...index.acknowledged]).size,
    completed: data.runs.filter((r) => r.status === 'completed').length,
    lost: verdict.lost,
    doubleApplied: verdict.doubleApplied,
    stuck: verdict.stuck,
    effectReexec: verdict.effectReexec,
    violations: verdict.lines(),
    notes: verdict.notes,
  }
}

/** Every acknowledged run exists; every run completed. */
function checkRuns(index: Index, verdict: Verdict): void {
  for (const runId of index.acknowledged) {
    if (!index.runs.has(runId)) {
      verdict.lost++
      verdict.add('lost run', `run ${runId} was acknowledged by hp.start but is not stored`)
    }
  }
  const orphans = index.data.runs.filter((r) => !index.acknowledged.has(r.id)).length
  if (orphans > 0) {
    verdict.notes.push(
      `${orphans} runs were stored by starts never acknowledged (an ambiguous commit, or a starter that crashed)`,
    )
  }
  const statuses = new Map<string, number>()
  for (const run of index.data.runs) {
    statuses.set(run.status, (statuses.get(run.status) ?? 0) + 1)
    if (run.status === 'running' || run.status === 'waiting_for_input') {
      verdict.stuck++
      verdict.add(
        'stuck run',
        `run ${run.id} is ${run.status} at ${run.node ?? '-'}#${run.visit}` +
          ` (lease ${run.lease_owner ?? 'none'} until ${run.lease_until ?? '-'}, wake ${run.wake_at ?? '-'})`,
      )
    } else if (run.status !== 'completed') {
      verdict.add('run not completed', `run ${run.id} ended ${run.status} at ${run.node ?? '-'}`)
    }
  }
  verdict.notes.push(`run statuses: ${[...statuses].map(([s, n]) => `${s}=${n}`).join(' ')}`)
}

/** Histories are contiguous; each node visit completed once, by a worker. */
function checkHistories(index: Index, input: VerifyInput, verdict: Verdict): void {
  for (const run of index.data.runs) {
    const events = index.eventsByRun.get(run.id) ?? []
    const contiguous = events.every((e, i) => e.seq === i + 1)
    if (!contiguous || events.length !== run.event_seq) {
      verdict.add(
        'broken history',
        `run ${run.id}: ${events.length} events, event_seq ${run.event_seq}, contiguous ${contiguous}`,
      )
    }
  }
  for (const [key, owners] of index.completions) {
    if (owners.length > 1) {
      verdict.doubleApplied++
      verdict.add(
        'node completed twice',
        `${key} completed ${owners.length} times, by ${owners.join(', ')}`,
      )
    }
    for (const owner of owners) {
      if (owner === '(none)') verdict.add('completion without owner', `${key} has no data.owner`)
      else if (input.owners && !input.owners.has(owner)) {
        verdict.add('completion by unknown owner', `${key} completed by ${owner}, not a worker`)
      }
    }
  }
}

/**
 * Each request resolved once (an answer or its deadline), never early; a stored answer is one a
 * delivery that could have applied carried; every acknowledged answer is the stored one.
 */
function checkAnswers(index: Index, verdict: Verdict): void {
  for (const [key, q] of index.requests) {
    const r = index.resolutions.get(key) ?? { received: 0, expired: 0, at: [] }
    if (r.received + r.expired > 1) {
      verdict.doubleApplied++
      verdict.add(
        'request resolved twice',
        `${key}: ${r.received} input_received and ${r.expired} input_expired events`,
      )
    } else if (!matchesHistory(q.status, r)) {
      verdict.add(
        'request history mismatch',
        `${key} is ${q.status} with ${r.received} input_received and ${r.expired} input_expired events`,
      )
    }
    const deadline = q.expires_at
    const early = deadline && r.at.find((at) => at.getTime() < deadline.getTime() - clockSlackMs)
    if (q.status === 'expired' && deadline && early) {
      verdict.add(
        'deadline fired early',
        `${key} expired at ${early.toISOString()}, deadline ${deadline.toISOString()}`,
      )
    }
    const attempts = attempted(index.deliveries.get(key) ?? [])
    if (q.status === 'answered') {
      const couldApply = attempts.filter((a) => !a.outcome || !refusedOutcomes.has(a.outcome))
      if (!couldApply.some((a) => jsonEqual(a.answer, q.answer))) {
        verdict.doubleApplied++
        const refused = attempts.filter((a) => jsonEqual(a.answer, q.answer))
        verdict.add(
          'answer nobody delivered',
          refused.length > 0
            ? `${key} stores ${JSON.stringify(q.answer)}, but every delivery of it was refused: ${refused.map((a) => a.outcome).join(', ')}`
            : `${key} stores ${JSON.stringify(q.answer)}, which no deliverer sent`,
        )
      }
    }
    for (const a of attempts) {
      if (a.outcome === 'ok' && !(q.status === 'answered' && jsonEqual(a.answer, q.answer))) {
        verdict.lost++
        verdict.add(
          'acknowledged answer lost',
          `${key}: ${JSON.stringify(a.answer)} was acknowledged to deliverer ${a.deliverer} but the request is ${q.status} with ${JSON.stringify(q.answer)}`,
        )
      }
    }
  }
  for (const [key, entries] of index.deliveries) {
    if (index.requests.has(key)) continue
    const acknowledged = attempted(entries).filter((a) => a.outcome === 'ok').length
    if (acknowledged > 0) {
      verdict.lost += acknowledged
      verdict.add('acknowledged answer lost', `${key} was acknowledged but is not stored`)
    }
  }
  for (const key of index.resolutions.keys()) {
    if (!index.requests.has(key)) {
      verdict.add('request history mismatch', `${key} has events but no row`)
    }
  }
}

function matchesHistory(status: string, r: Resolutions): boolean {
  if (status === 'answered') return r.received === 1 && r.expired === 0
  if (status === 'expired') return r.expired === 1 && r.received === 0
  return r.received + r.expired === 0
}

/**
 * Completed runs went on with the answers the input ledger stores: the review notes by round,
 * and the answer (or default) confirm returned. A run that used another answer applied
 * something its history does not show.
 */
function checkUsedAnswers(index: Index, verdict: Verdict): void {
  for (const run of index.data.runs) {
    if (run.status !== 'completed') continue
    const stored = index.requestsByRun.get(run.id) ?? []
    const storedNotes = stored
      .filter((q) => q.request_id === 'review')
      .sort((a, b) => a.visit - b.visit)
      .map((q) => (q.answer as { note?: unknown } | null)?.note)
    const used = Array.isArray(run.state?.notes) ? (run.state.notes as unknown[]) : []
    if (!jsonEqual(used, storedNotes)) {
      verdict.doubleApplied++
      verdict.add(
        'run used an answer that is not the stored one',
        `run ${run.id} went on with review notes ${JSON.stringify(used)}, the stored answers say ${JSON.stringify(storedNotes)}`,
      )
    }
    const confirm = stored.find((q) => q.request_id === 'confirm')
    const confirmed = run.outputs?.confirm
    if (confirm && confirmed !== undefined && !jsonEqual(confirmed, confirm.answer)) {
      verdict.doubleApplied++
      verdict.add(
        'run used an answer that is not the stored one',
        `run ${run.id} confirm returned ${JSON.stringify(confirmed)}, the stored ${confirm.status} answer is ${JSON.stringify(confirm.answer)}`,
      )
    }
  }
}

/**
 * Effects ran at least once per stored result and never after it was committed; a completed
 * run has the results of every effectful visit it completed, and slept as long as it asked.
 */
function checkEffects(index: Index, verdict: Verdict): void {
  const roles = new Map<string, number>()
  for (const [key, list] of index.executions) {
    verdict.effectReexec += list.length - 1
    for (const e of list) {
      const role = e.role.replace(/-\d+$/, '')
      roles.set(role, (roles.get(role) ?? 0) + 1)
      if (e.result_committed) {
        verdict.add(
          'effect after its result was committed',
          `${key} executed by ${e.role} at ${e.at.toISOString()}, after the step result was stored`,
        )
      }
    }
    const [runId, visit] = key.split(' ')
    if (
      index.runs.get(runId ?? '')?.status === 'completed' &&
      !index.completions.has(`${runId} ${visit}`)
    ) {
      verdict.add('effect of a visit that never completed', key)
    }
  }
  verdict.notes.push(
    `effect executions by role: ${[...roles].map(([r, n]) => `${r}=${n}`).join(' ')}`,
  )
  for (const key of index.results) {
    if (!index.executions.has(key)) {
      verdict.add('result without execution', `${key} is stored but never ran`)
    }
  }
  for (const run of index.data.runs) {
    if (run.status !== 'completed') continue
    const events = index.eventsByRun.get(run.id) ?? []
    for (const e of events) {
      const node = String(e.data.node)
      const effect = effectKeys[node as keyof typeof effectKeys] as string | undefined
      if (e.type !== 'node_completed' || effect === undefined) continue
      const result = `${visitKey(run.id, node, Number(e.data.visit))} ${effect}`
      if (!index.results.has(result)) {
        verdict.add('effect missing', `${result}: the node completed without its effect's result`)
      }
    }
    const confirmed = events.find((e) => e.type === 'node_completed' && e.data.node === 'confirm')
    const shipped = index.executions.get(
      `${visitKey(run.id, 'cooldown', 1)} ${effectKeys.cooldown}`,
    )?.[0]
    const sleepMs = run.input?.sleepMs
    if (confirmed && shipped && typeof sleepMs === 'number') {
      const slept = shipped.at.getTime() - confirmed.at.getTime()
      if (slept < sleepMs - clockSlackMs) {
        verdict.add('woke early', `run ${run.id} slept ${slept} ms of ${sleepMs}`)
      }
    }
  }
}

/** What clients saw: anomalies the deliverers noticed, and errors without a Holdpoint code. */
function checkLedger(index: Index, input: VerifyInput, verdict: Verdict): void {
  const outcomes = new Map<string, number>()
  for (const e of input.ledger) {
    if (e.kind === 'anomaly') {
      verdict.add('deliverer anomaly', `${requestKey(e.runId, e.requestId, e.visit)}: ${e.message}`)
    }
    const outcome =
      (e.kind === 'delivery' && e.phase === 'outcome') || e.kind === 'start-failed'
        ? e.outcome
        : undefined
    if (outcome === undefined) continue
    const name = isRawError(outcome) ? 'raw error' : outcome
    outcomes.set(name, (outcomes.get(name) ?? 0) + 1)
    if (isRawError(outcome)) verdict.add('error without a Holdpoint code', `${e.kind}: ${outcome}`)
  }
  verdict.notes.push(`client outcomes: ${[...outcomes].map(([o, n]) => `${o}=${n}`).join(' ')}`)
  verdict.notes.push(
    `requests delivered by two deliverers within ${simultaneousMs} ms of each other: ${simultaneous(index.deliveries)}`,
  )
}

/** Lateness a clock comparison forgives: event times are milliseconds, database times microseconds. */
const clockSlackMs = 2
/** Deliveries this close together count as simultaneous. */
const simultaneousMs = 10

/** How many requests got intents from two different deliverers less than `simultaneousMs` apart. */
function simultaneous(deliveries: ReadonlyMap<string, readonly DeliveryEntry[]>): number {
  let count = 0
  for (const entries of deliveries.values()) {
    const intents = entries
      .filter((e) => e.phase === 'intent')
      .map((e) => ({ deliverer: e.deliverer, at: Date.parse(e.at) }))
      .sort((a, b) => a.at - b.at)
    const close = intents.some((a, i) => {
      const b = intents[i + 1]
      return b !== undefined && b.deliverer !== a.deliverer && b.at - a.at < simultaneousMs
    })
    if (close) count++
  }
  return count
}

interface Attempt {
  answer: unknown
  /** `undefined` when the deliverer never recorded an outcome (it may have been applied). */
  outcome: string | undefined
  deliverer: number
}

/** Pairs intents with outcomes, one attempt each. */
function attempted(entries: readonly DeliveryEntry[]): Attempt[] {
  const byId = new Map<string, Attempt>()
  for (const e of entries) {
    const a = byId.get(e.attemptId) ?? {
      answer: e.answer,
      outcome: undefined,
      deliverer: e.deliverer,
    }
    if (e.phase === 'outcome') a.outcome = e.outcome
    byId.set(e.attemptId, a)
  }
  return [...byId.values()]
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b)
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}
