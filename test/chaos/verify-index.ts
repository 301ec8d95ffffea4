import type { DeliveryEntry } from './ledger.js'
import type { Data, EffectRow, EventRow, RequestRow, RunRow } from './database-snapshot.js'
import type { VerifyInput } from './verify.js'
import { effectKeys } from './workload.js'

// The database snapshot and the ledgers, keyed the way the checks look things up.

export interface Resolutions {
  received: number
  expired: number
  at: Date[]
}

/** The data, keyed for the checks. */
export interface Index {
  data: Data
  runs: Map<string, RunRow>
  acknowledged: Set<string>
  eventsByRun: Map<string, EventRow[]>
  /** By `requestKey`. */
  requests: Map<string, RequestRow>
  requestsByRun: Map<string, RequestRow[]>
  /** By `requestKey`. */
  resolutions: Map<string, Resolutions>
  /** Owners of each node completion, by `run node#visit`. */
  completions: Map<string, string[]>
  /** Delivery attempts by `requestKey`. */
  deliveries: Map<string, DeliveryEntry[]>
  /** Effect executions by `run node#visit key`. */
  executions: Map<string, EffectRow[]>
  /** Stored results of the workload's effects, as `run node#visit key`. */
  results: Set<string>
}

export function indexData(data: Data, input: VerifyInput): Index {
  const resolutions = new Map<string, Resolutions>()
  const completions = new Map<string, string[]>()
  for (const event of data.events) {
    if (event.type === 'input_received' || event.type === 'input_expired') {
      const key = requestKey(event.run_id, String(event.data.requestId), Number(event.data.visit))
      const r = resolutions.get(key) ?? { received: 0, expired: 0, at: [] }
      if (event.type === 'input_received') r.received++
      else r.expired++
      r.at.push(event.at)
      resolutions.set(key, r)
    }
    if (event.type === 'node_completed') {
      const key = visitKey(event.run_id, String(event.data.node), Number(event.data.visit))
      const owner = event.data.owner
      const owners = completions.get(key) ?? []
      owners.push(typeof owner === 'string' ? owner : '(none)')
      completions.set(key, owners)
    }
  }
  // Only the workload's own effects: the engine keeps internal steps too (a sleep's deadline).
  const effectful = new Set<string>(Object.values(effectKeys))
  return {
    data,
    runs: new Map(data.runs.map((r) => [r.id, r])),
    acknowledged: new Set(input.ledger.flatMap((e) => (e.kind === 'started' ? [e.runId] : []))),
    eventsByRun: groupBy(data.events, (e) => e.run_id),
    requests: new Map(data.requests.map((q) => [requestKey(q.run_id, q.request_id, q.visit), q])),
    requestsByRun: groupBy(data.requests, (q) => q.run_id),
    resolutions,
    completions,
    deliveries: groupBy(
      input.ledger.filter((e): e is DeliveryEntry => e.kind === 'delivery'),
      (e) => requestKey(e.runId, e.requestId, e.visit),
    ),
    executions: groupBy(data.effects, (e) => `${visitKey(e.run_id, e.node, e.visit)} ${e.key}`),
    results: new Set(
      data.steps
        .filter((s) => effectful.has(s.key))
        .map((s) => `${visitKey(s.run_id, s.node, s.visit)} ${s.key}`),
    ),
  }
}

export function requestKey(runId: string, requestId: string, visit: number): string {
  return `${runId} ${requestId}#${visit}`
}

export function visitKey(runId: string, node: string, visit: number): string {
  return `${runId} ${node}#${visit}`
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = groups.get(k)
    if (list) list.push(item)
    else groups.set(k, [item])
  }
  return groups
}

/** Structural JSON equality: jsonb does not keep key order. */
