import type { RunEvent, RunEventType } from '../history/run-event.js'
import type { JsonObject, JsonValue } from '../json.js'
import type { MachinePosition } from '../runtime/machine-driver.js'
import type { WorkflowStatus } from '../status.js'

/** A run's place in its workflow, stored with the run. */
export interface RunPosition extends MachinePosition {
  /** Visits per node id: how often each node has been entered. */
  visits: Record<string, number>
  /** Executions of the current node visit that failed and were retried. */
  attempt?: number
}

/** An error as stored with a failed run. */
export interface SerializedError {
  name: string
  message: string
  code?: string
  stack?: string
}

/** What a request asks for, stored once when it is first asked. */
export interface RequestSpec {
  prompt?: string
  inputType: string
  options?: JsonValue[]
  schema?: JsonObject
  /** Free-form data for UIs. */
  payload?: JsonObject
  /** Wrapped so that `null` can be a default. */
  default?: { value: JsonValue }
}

/** The life of a request. */
export type RequestStatus = 'open' | 'answered' | 'expired' | 'closed'

/** A request as the input ledger stores it. */
export interface StoredRequest {
  nodeId: string
  visit: number
  requestId: string
  /** Order of asking within the node visit, from 1; replay must ask in the same order. */
  seq: number
  spec: RequestSpec
  status: RequestStatus
  /** The answer as delivered; `undefined` until answered. */
  answer: JsonValue | undefined
  answeredAt: Date | null
  expiresAt: Date | null
  createdAt: Date
}

/** A memoized `ctx.step` result. */
export interface StoredStep {
  nodeId: string
  visit: number
  key: string
  /** Order of calling within the node visit, from 1. */
  seq: number
  /** `undefined` when the step returned nothing. */
  result: JsonValue | undefined
}

/** The columns of a run that a checkpoint rewrites. */
export interface RunFields {
  status: WorkflowStatus
  /** The node in flight, or `null` once the run has finished. */
  nodeId: string | null
  visit: number
  position: RunPosition
  state: JsonObject
  outputs: JsonObject
  output: JsonValue | undefined
  error: SerializedError | null
  updatedAt: Date
}

/** Who may execute a run, and until when. */
export interface Lease {
  owner: string
  until: Date
}

/**
 * What a checkpoint sets: the lease (held by `owner` for `ms` from the database's clock, or
 * nobody), and when a worker should pick the run up — at a time, now, when the lease runs out,
 * or never.
 */
export interface Scheduling {
  lease: { owner: string; ms: number } | null
  wake: Date | 'now' | 'lease' | null
  /** Tell listening workers right away (a run became runnable now). */
  notify?: boolean
}

/** A run as loaded: its row, the requests that are open or belong to the current node visit, and that visit's steps. */
export interface StoredRun extends RunFields {
  id: string
  workflowId: string
  version: number
  input: JsonValue
  rowVersion: number
  createdAt: Date
  lease: Lease | null
  wakeAt: Date | null
  /** The token of the last write, as a decimal string. */
  writeToken: string | null
  requests: StoredRequest[]
  steps: StoredStep[]
}

/**
 * One entry of a run's append-only history, as written. Request details, answers and the run's
 * output are not repeated here: reading history joins them in.
 */
export interface NewRunEvent {
  type: RunEventType
  data: JsonObject
}

/** Everything stored about one run: what `engine.export()` carries and `hp.import()` writes back. */
export interface RunRecord extends RunFields {
  id: string
  workflowId: string
  version: number
  input: JsonValue
  createdAt: Date
  /** Every request of the run, answered or not. */
  requests: StoredRequest[]
  /** Every memoized step result. */
  steps: StoredStep[]
  /** The whole history, as written (without joined-in details). */
  history: Array<{ seq: number; at: Date; type: RunEventType; data: JsonObject }>
}

/** Which runs `hp.prune()` deletes. */
export interface PruneFilter {
  /** Last changed before this time. */
  before: Date
  statuses: readonly WorkflowStatus[]
  /** Most runs to delete in one statement. */
  limit: number
}

/**
 * Everything one checkpoint writes, in one transaction, only if the run is still at
 * `expectedVersion` (compare-and-swap on the row version).
 */
export interface Checkpoint {
  runId: string
  expectedVersion: number
  /** Random, unique per write: how a writer recognises its own write after losing the connection. */
  token: string
  run: RunFields
  scheduling: Scheduling
  /** Write only if the lease is free, expired, or held by this owner. */
  requireLease?: string
  newRequests: readonly StoredRequest[]
  /** Requests that got their answer (`answered`) or ran out of time (`expired`). */
  answers: ReadonlyArray<{
    nodeId: string
    visit: number
    requestId: string
    status: 'answered' | 'expired'
    answer: JsonValue | undefined
  }>
  /** Close every request still open (on cancel). */
  closeOpenRequests: boolean
  events: readonly NewRunEvent[]
  /**
   * `false` in a process with history switched off: the events are numbered (the run's
   * sequence moves on, so history read elsewhere shows the gap) but not stored.
   */
  writeHistory?: boolean
}

/** A new run, as `start` writes it. */
export interface NewRun extends RunFields, Scheduling {
  id: string
  token: string
  workflowId: string
  version: number
  input: JsonValue
  createdAt: Date
  /** As `Checkpoint.writeHistory`: `false` numbers the first events without storing them. */
  writeHistory?: boolean
}

/** Filters of `hp.list()`. */
export interface RunFilter {
  status?: WorkflowStatus | readonly WorkflowStatus[]
  workflowId?: string
  /** Most runs to return; default 100, at most 1000. */
  limit?: number
  /**
   * Return runs after this one in (createdAt, id) order: the last run of the previous page, by
   * id (looked up) or by position (kept even when that run has been deleted since).
   */
  after?: string | { id: string; createdAt: Date }
}

/** A run in a listing, with the requests it waits on. */
export interface RunSummary {
  id: string
  workflowId: string
  version: number
  status: WorkflowStatus
  nodeId: string | null
  output: JsonValue | undefined
  error: SerializedError | null
  createdAt: Date
  updatedAt: Date
  openRequests: StoredRequest[]
}

/**
 * Where runs live. Holdpoint ships one SQL implementation over two connections (Postgres and
 * PGlite); the conformance suite in `test/` holds any implementation to the same behaviour.
 */
export interface Store {
  /** A name for messages and reports, such as `postgres` or `pglite`. */
  readonly kind: string
  /** Applies pending migrations (once per store object); refuses a newer schema. */
  ready(): Promise<void>
  /** Inserts a new run with its first events; `false` when a run with its id exists (nothing written). */
  createRun(run: NewRun, events: readonly NewRunEvent[]): Promise<boolean>
  loadRun(runId: string): Promise<StoredRun | undefined>
  /**
   * The run's row version alone, `undefined` when there is no such run: enough to tell whether
   * a run this process holds in memory is still as stored, for far less than a load.
   */
  runVersion(runId: string): Promise<number | undefined>
  /** Writes the checkpoint; `false` when the run was no longer at the expected version. */
  checkpoint(checkpoint: Checkpoint): Promise<boolean>
  /** Every request with one of these ids that is no longer open, newest first. */
  findClosedRequests(runId: string, requestIds: readonly string[]): Promise<StoredRequest[]>
  /**
   * Stores a step result unless one exists; returns the stored one. Throws `RUN_NOT_FOUND`, and
   * stores nothing, when the run does not exist (any more): a step outlives no run.
   */
  saveStep(runId: string, step: StoredStep): Promise<StoredStep>
  listRuns(filter: RunFilter): Promise<RunSummary[]>
  /** The run's history after sequence `after`, in order, with request details joined in. */
  listEvents(runId: string, after: number, limit: number): Promise<RunEvent[]>
  /** Marks runs as followed until `ms` from now, so their checkpoints notify `listenEvents`. */
  follow(runIds: readonly string[], ms: number): Promise<void>
  /** Calls `onEvents` with a run id when a followed run got new events (`undefined`: maybe any). */
  listenEvents(onEvents: (runId: string | undefined) => void): Promise<() => Promise<void>>
  /** Everything stored about a run, for export. */
  exportRun(runId: string): Promise<RunRecord | undefined>
  /** Writes a run and everything stored with it; `false` when a run with its id exists. */
  importRun(record: RunRecord, scheduling: Scheduling): Promise<boolean>
  /** Deletes finished runs with all their rows; returns how many. */
  pruneRuns(filter: PruneFilter): Promise<number>
  /**
   * Leases up to `limit` runs whose wake time has come (`FOR UPDATE SKIP LOCKED`) to `owner`
   * for `leaseMs`, and returns their ids. Only runs of the given workflow versions (`id@version`)
   * are claimed: a process never takes a run it cannot execute.
   */
  claim(
    owner: string,
    limit: number,
    leaseMs: number,
    workflows: readonly string[],
  ): Promise<string[]>
  /** Extends `owner`'s lease on a running run; `false` when the lease was lost or the run stopped running. */
  renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean>
  /** Calls `onWake` when some run becomes runnable now; resolves to a function that stops listening. */
  listen(onWake: () => void): Promise<() => Promise<void>>
  close(): Promise<void>
}
