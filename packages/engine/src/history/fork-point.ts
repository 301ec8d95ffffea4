import { InvalidForkPointError } from '../errors.js'
import type { JsonObject } from '../json.js'
import type { NewRunEvent, RunPosition, RunRecord } from '../store/store.js'
import { newEvent, nodeStarted, type RunEventData } from './run-event.js'

/** Where a fork starts: a node visit, with the state and outputs the run had when it began. */
export interface ForkPoint {
  /** The sequence number forked at. */
  at: number
  nodeId: string
  visit: number
  position: RunPosition
  state: JsonObject
  outputs: JsonObject
}

/**
 * Finds where a fork of `run` at event `at` starts: the node in flight at that event (the last
 * one started at or before it), rebuilt from history as it stood when that node began. Nodes
 * completed before it are not re-run; that node runs again from its start and asks again.
 */
export function findForkPoint(run: RunRecord, at: number | undefined): ForkPoint {
  const last = run.history.at(-1)?.seq ?? 0
  const seq = at ?? last
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > last) {
    throw new InvalidForkPointError(
      run.id,
      seq,
      `the run's history has events 1 to ${last}; pass one of them`,
    )
  }
  if (run.history[1]?.type !== 'node_started') {
    // Runs started before schema version 4 recorded neither node starts nor node outputs.
    throw new InvalidForkPointError(
      run.id,
      seq,
      'its history was written before runs could be forked',
    )
  }
  const before = run.history.filter((e) => e.seq <= seq)
  if (before.some((e, i) => e.seq !== i + 1)) {
    // Events numbered by a process with history off were never stored: what the run was at
    // this point cannot be rebuilt.
    throw new InvalidForkPointError(
      run.id,
      seq,
      'its history misses events before it (written with history switched off)',
    )
  }
  const startIndex = before.findLastIndex((e) => e.type === 'node_started')
  if (startIndex < 0) {
    throw new InvalidForkPointError(run.id, seq, 'no node had started by then')
  }
  const started = before[startIndex]?.data as unknown as RunEventData['node_started']
  let state: JsonObject = {}
  let outputs: JsonObject = {}
  const visits: Record<string, number> = {}
  for (const event of before.slice(0, startIndex + 1)) {
    if (event.type === 'run_started') {
      const data = event.data as unknown as RunEventData['run_started']
      state = data.state ?? {}
      outputs = { ...data.outputs }
      Object.assign(visits, data.visits)
    } else if (event.type === 'node_started') {
      const data = event.data as unknown as RunEventData['node_started']
      visits[data.node] = Math.max(visits[data.node] ?? 0, data.visit)
    } else if (event.type === 'node_completed') {
      const data = event.data as unknown as RunEventData['node_completed']
      if (data.state !== undefined) state = data.state
      if (data.output === undefined) delete outputs[data.node]
      else outputs[data.node] = data.output
    }
  }
  const position: RunPosition = { value: started.position?.value ?? started.node, visits }
  if (started.position?.context) position.context = started.position.context
  return { at: seq, nodeId: started.node, visit: started.visit, position, state, outputs }
}

/**
 * The first events of a run forked from run `from` at `point`: its start, which names the
 * original and carries the state and outputs the fork begins with, then its node's start.
 */
export function forkEvents(
  from: string,
  point: ForkPoint,
  workflow: { id: string; version: number },
): NewRunEvent[] {
  const started = newEvent('run_started', {
    workflow: workflow.id,
    version: workflow.version,
    forkedFrom: { runId: from, seq: point.at },
    visits: point.position.visits,
  })
  if (Object.keys(point.state).length > 0) started.data.state = point.state
  if (Object.keys(point.outputs).length > 0) started.data.outputs = point.outputs
  return [started, nodeStarted(point.nodeId, point.visit, point.position)]
}
