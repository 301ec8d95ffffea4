import type { AwaitingInput } from '../definition/request-input.js'
import {
  ConcurrentModificationError,
  HoldpointError,
  InvalidArgumentError,
  RunCancelledError,
  RunNotFailedError,
  RunNotFoundError,
} from '../errors.js'
import { toJson, type JsonObject, type JsonValue } from '../json.js'
import { currentNodes, isFinished, type WorkflowStatus } from '../status.js'
import { eventStream } from '../history/event-stream.js'
import { newEvent, type EventsOptions, type RunEvent } from '../history/run-event.js'
import { toExport, type RunExport } from '../history/run-export.js'
import type { StoredRun } from '../store/store.js'
import { awaitedRequests, toAwaitingInput } from './awaiting-input.js'
import { deliver, expireDue, type DeliveryOptions, type InputData } from './deliver.js'
import type { EngineHost } from './engine-host.js'
import { heldByAnother, LeaseKeeper } from './lease-keeper.js'
import type { NodeExecution } from './node-execution.js'
import { completeNode, failNode, pauseNode } from './node-outcomes.js'
import { dropProgress, ensureLive, type RunContext } from './run-context.js'
import { RunWriter } from './run-writer.js'

export type { DeliveryOptions, InputData } from './deliver.js'

/** A run as `executionState` shows it. */
export interface ExecutionState<TState = JsonObject> {
  runId: string
  workflowId: string
  version: number
  status: WorkflowStatus
  /** The run's input, as validated when it started. */
  input: JsonValue
  /** The node in flight (at most one today), empty once the run has finished. */
  currentNodes: string[]
  /** Requests the run waits on; answer them by `requestId`. */
  awaitingInput: AwaitingInput[]
  state: TState
  /** The run's result once completed: the output of its last node. */
  output: JsonValue | undefined
  /** Why the run failed, or the last error of a node that is being retried. */
  error: { name: string; message: string; code?: string } | null
  createdAt: Date
  updatedAt: Date
}

/**
 * A handle on one run: drives it, delivers answers, and shows its state. Get one from
 * `hp.start()` or `hp.load()`. Calls on one engine take turns. Executing a run takes its lease,
 * so one process at a time runs its nodes; every write is guarded by the run's row version.
 *
 * @example
 * ```ts
 * const engine = await hp.load(runId)
 * await engine.run({ approve: { approved: true, note: 'ok' } })
 * console.log(engine.executionState.status) // 'completed'
 * ```
 */
export class WorkflowEngine<TState = JsonObject> {
  readonly runId: string
  readonly #ctx: RunContext
  #turn: Promise<unknown> = Promise.resolve()
  #busy = 0

  /** @internal Use `hp.start()` or `hp.load()`. */
  constructor(host: EngineHost, run: StoredRun) {
    const writer = new RunWriter(host, run, () => this.dispose())
    this.#ctx = { host, writer, lease: new LeaseKeeper(host, writer), live: undefined }
    this.runId = run.id
  }

  get #run(): StoredRun {
    return this.#ctx.writer.run
  }

  /** The run as this engine last wrote or read it. */
  get executionState(): ExecutionState<TState> {
    const run = this.#run
    return {
      runId: run.id,
      workflowId: run.workflowId,
      version: run.version,
      status: run.status,
      input: run.input,
      currentNodes: currentNodes(run.nodeId, run.status),
      awaitingInput: awaitedRequests(run).map(toAwaitingInput),
      state: run.state as TState,
      output: run.output,
      error: run.error,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
    }
  }

  /** @internal The row version this engine last saw. */
  get rowVersion(): number {
    return this.#run.rowVersion
  }

  /** @internal True while a call is in progress. */
  get busy(): boolean {
    return this.#busy > 0
  }

  /**
   * Delivers answers (if any) and runs until the run halts: waiting for input or a deadline,
   * completed, failed or cancelled. Answers are validated first and stored before the run moves on.
   */
  run(inputData?: InputData, options?: DeliveryOptions): Promise<ExecutionState<TState>> {
    return this.#exclusive(() => this.#advance(inputData, Number.POSITIVE_INFINITY, options ?? {}))
  }

  /** Like `run`, but completes at most one node. */
  step(inputData?: InputData, options?: DeliveryOptions): Promise<ExecutionState<TState>> {
    return this.#exclusive(() => this.#advance(inputData, 1, options ?? {}))
  }

  /** Reads the run from the store again. */
  refresh(): Promise<ExecutionState<TState>> {
    return this.#exclusive(async () => {
      await this.#ctx.writer.reload()
      return this.executionState
    })
  }

  /**
   * Ends the run from any process: its open requests close; the running node's `ctx.signal`
   * aborts here at once, and in the process executing it at its next lease renewal. Does nothing
   * to a run that already completed or was cancelled.
   */
  async cancel(reason?: string): Promise<ExecutionState<TState>> {
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) {
      throw new InvalidArgumentError('A cancel reason', 'a string of at most 1000 characters')
    }
    if (reason !== undefined) toJson(reason, 'A cancel reason')
    for (let attempt = 0; attempt < 5; attempt++) {
      if (isFinished(this.#run.status)) return this.executionState
      const live = this.#ctx.live
      try {
        const written = await this.#ctx.writer.write(
          { status: 'cancelled', nodeId: null },
          {
            scheduling: { lease: null, wake: null },
            closeOpenRequests: true,
            events: [newEvent('run_cancelled', reason === undefined ? {} : { reason })],
          },
        )
        if (written === 'written') {
          live?.abandon(new RunCancelledError(this.runId, reason), true)
          if (this.#ctx.live === live) this.#ctx.live = undefined
          this.#run.steps = []
          this.#ctx.host.finished(this.runId)
        }
        return this.executionState
      } catch (error) {
        if (!HoldpointError.is(error, 'CONCURRENT_MODIFICATION')) throw error
      }
    }
    throw new ConcurrentModificationError(this.runId)
  }

  /**
   * Re-runs the node a failed run stopped at (with a fresh round of attempts under its retry
   * policy), then runs on like `run()`.
   */
  retry(): Promise<ExecutionState<TState>> {
    return this.#exclusive(async () => {
      const run = this.#run
      if (run.status !== 'failed') throw new RunNotFailedError(run.id, run.status)
      await this.#ctx.writer.write(
        {
          status: 'running',
          error: null,
          // A manual retry starts a new round of attempts under the node's retry policy.
          position: { ...run.position, attempt: 1 },
        },
        {
          scheduling: this.#ctx.writer.holding(),
          requireLease: this.#ctx.host.owner,
          events: [newEvent('run_retried', { node: run.nodeId })],
        },
      )
      return this.#advance(undefined, Number.POSITIVE_INFINITY)
    })
  }

  /**
   * The run's history, oldest first, after sequence number `after`; with `follow`, then its new
   * events as they happen in any process, until the run completes, fails or is cancelled.
   * Throws `HISTORY_DISABLED` (from the loop) in a process created with `history: false`.
   *
   * @example
   * ```ts
   * for await (const event of engine.events({ follow: true })) {
   *   if (event.type === 'input_requested') console.log(event.data.prompt, event.data.schema)
   * }
   * ```
   */
  events(options: EventsOptions = {}): AsyncIterable<RunEvent> {
    return eventStream(this.#ctx.host, this.runId, options)
  }

  /**
   * Everything stored about the run — position, state, requests and answers, step results and
   * history — as a versioned JSON document that `hp.import()` takes, in any store. Works with
   * history off; the document then carries only the history stored while it was on (often none).
   *
   * @example
   * ```ts
   * const doc = await engine.export()
   * await writeFile('run.json', JSON.stringify(doc))
   * ```
   */
  async export(): Promise<RunExport> {
    const record = await this.#ctx.host.store.exportRun(this.runId)
    if (!record) throw new RunNotFoundError(this.runId)
    return toExport(record, this.#ctx.host.now())
  }

  /** @internal Drops in-memory progress (the run was taken over or evicted). */
  dispose(): void {
    dropProgress(this.#ctx)
  }

  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#busy++
    const result = this.#turn.then(fn)
    this.#turn = result.catch(() => {})
    try {
      return await result
    } finally {
      this.#busy--
    }
  }

  async #advance(
    inputData: InputData | undefined,
    maxNodes: number,
    options: DeliveryOptions = {},
  ): Promise<ExecutionState<TState>> {
    const delivery = await deliver(this.#ctx, inputData, options)
    if (delivery === 'nothing-new' || delivery === 'handed-off') return this.executionState
    if (delivery === 'none' && options.background) {
      await this.#handOff()
      return this.executionState
    }
    if (delivery === 'none' && this.#idle() && !(await expireDue(this.#ctx))) {
      await this.#ctx.lease.release(this.#ctx.live)
      return this.executionState
    }
    let completed = 0
    while (
      completed < maxNodes &&
      (this.#run.status === 'running' || this.#run.status === 'waiting_for_input')
    ) {
      if (
        this.#run.status === 'running' &&
        !this.#ctx.lease.holds() &&
        !(await this.#ctx.lease.acquire())
      )
        continue
      const live = ensureLive(this.#ctx)
      live.fireDueTimers(this.#ctx.host.now())
      const outcome = await this.#ctx.lease.whileRenewing(
        live.next(),
        () => void this.#leaseLost(live),
      )
      if (this.#ctx.live !== live || outcome.kind === 'abandoned') {
        // Cancelled, or the lease was lost: whoever holds the run now carries it on.
        await this.#ctx.writer.reload().catch(() => {})
        break
      }
      if (outcome.kind === 'paused') {
        await pauseNode(this.#ctx, live)
        break
      }
      if (outcome.kind === 'failed') {
        if (await failNode(this.#ctx, live, outcome.error)) continue
        break
      }
      await completeNode(this.#ctx, live, outcome.output)
      completed++
    }
    return this.executionState
  }

  /**
   * The lease was lost while the node ran: the run was cancelled (the node sees `RUN_CANCELLED`
   * on its signal) or taken over (its progress here is dropped).
   */
  async #leaseLost(live: NodeExecution): Promise<void> {
    if (this.#ctx.live !== live) return
    const stored = await this.#ctx.host.store.loadRun(this.runId).catch(() => undefined)
    if (this.#ctx.live !== live) return
    this.#ctx.live = undefined
    live.abandon(
      stored?.status === 'cancelled'
        ? new RunCancelledError(this.runId, undefined)
        : new ConcurrentModificationError(this.runId),
      stored?.status === 'cancelled',
    )
  }

  /** `run(undefined, { background: true })`: leaves a running run to the workers, now. */
  async #handOff(): Promise<void> {
    const run = this.#run
    if (run.status !== 'running') return
    if (heldByAnother(run.lease, this.#ctx.host.owner)) return
    this.dispose()
    await this.#ctx.writer.write({}, { scheduling: { lease: null, wake: 'now', notify: true } })
  }

  /** Nothing to do right now: waiting for people, or asleep until a deadline not yet reached. */
  #idle(): boolean {
    const run = this.#run
    if (run.status === 'waiting_for_input') return true
    const sleeping =
      run.status === 'running' &&
      run.lease === null &&
      run.wakeAt !== null &&
      run.wakeAt.getTime() > this.#ctx.host.now().getTime()
    return sleeping && !this.#ctx.live?.fireDueTimers(this.#ctx.host.now())
  }
}
