import type { AwaitingInput } from './definition/request-input.js'
import type { AnyWorkflow, Workflow } from './definition/workflow.js'
import type { JsonValue } from './json.js'
import type { PayloadLimits } from './limits.js'
import type { WorkflowStatus } from './status.js'
import type { Store } from './store/store.js'

// The options and results of Holdpoint's methods, and the types that tie a call to its workflow.

/** Options of `createHoldpoint`. */
export interface HoldpointOptions<TWorkflows extends readonly AnyWorkflow[]> {
  /** The workflows this process can start and resume; several versions of one id may be listed. */
  workflows: TWorkflows
  /** Where runs live. Default: the embedded PGlite store in `./.holdpoint`. */
  store?: Store
  /**
   * How many paused runs this process keeps in memory, so that an answer arriving here resumes
   * the node right after its `await` instead of replaying it. Default 1000.
   */
  liveRuns?: number
  /** The clock; tests may pass their own. */
  now?: () => Date
  /** Size limits on inputs, answers, state and outputs. */
  limits?: PayloadLimits
  /**
   * How long a process executing a run holds its lease without renewing it (renewals happen at
   * every checkpoint and every third of this while a node runs). When the process dies, another
   * one takes the run over this long after its last renewal. Default 30 s.
   */
  leaseMs?: number
  /**
   * Whether this process writes each run's history (default `true`). With `false`, starts and
   * checkpoints write no history rows: fewer bytes per run, and no audit trail.
   * Lost: `engine.events()` and `hp.events()` (with or without `follow`) and `hp.fork()`, which
   * throw `HISTORY_DISABLED`; who answered (`run(answers, { by })` is checked, then dropped);
   * `engine.export()` carries the history already stored, none for runs written with it off.
   * Kept: runs with their status, state and output; requests with their answers and
   * `answeredAt`; step results; leases, deadlines and every guarantee of a checkpoint.
   * Switch it per process: rows written earlier stay, and a run may move between processes
   * with it on and off (events are still numbered, so history read elsewhere shows the gap, and
   * a fork past it is refused). Anything but a boolean is `INVALID_DEFINITION`.
   *
   * @example
   * ```ts
   * const hp = createHoldpoint({ workflows: [approval], history: false })
   * ```
   */
  history?: boolean
}

/** Options of `hp.start()`. */
export interface StartOptions<TState = unknown> {
  /** Start this version instead of the newest registered one. */
  version?: number
  /** The initial shared state, before the state schema's defaults apply. */
  state?: Partial<TState>
  /** Hand the run to the workers (`hp.worker()`) instead of running it from this engine. */
  background?: boolean
  /**
   * Makes the start idempotent: another start of this workflow with the same key returns the
   * run the first one started (`IDEMPOTENCY_CONFLICT` if its input differs). Up to 200 characters.
   */
  idempotencyKey?: string
}

/** A run in `hp.list()`. */
export interface RunListItem {
  runId: string
  workflowId: string
  version: number
  status: WorkflowStatus
  currentNodes: string[]
  awaitingInput: AwaitingInput[]
  output: JsonValue | undefined
  error: { name: string; message: string; code?: string } | null
  createdAt: Date
  updatedAt: Date
}

/** Filters of `hp.list()`. */
export interface ListOptions {
  status?: WorkflowStatus | readonly WorkflowStatus[]
  workflow?: string
  /** Page size; default 100, at most 1000. */
  limit?: number
  /**
   * Where the page starts: after the last item of the previous page. Pass the item itself (any
   * `{ runId, createdAt }`) to keep paging even if that run is deleted meanwhile; its `runId`
   * alone works too, but throws `INVALID_ARGUMENT` once that run no longer exists.
   */
  after?: string | Pick<RunListItem, 'runId' | 'createdAt'>
}

export type IdOf<W> = W extends Workflow<infer Id, unknown, unknown> ? Id : never
export type InputFor<W extends readonly AnyWorkflow[], Id> =
  Extract<W[number], { id: Id }> extends Workflow<string, infer I, unknown> ? I : never
export type StateFor<W extends readonly AnyWorkflow[], Id> =
  Extract<W[number], { id: Id }> extends Workflow<string, unknown, infer S> ? S : never
