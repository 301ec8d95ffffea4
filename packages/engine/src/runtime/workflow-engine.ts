import type { AwaitingInput } from '../definition/request-input.js'
import type { AnyWorkflow } from '../definition/workflow.js'
import {
  ConcurrentModificationError,
  HoldpointError,
  InvalidInputError,
  NondeterminismError,
  RunCancelledError,
  RunLeasedError,
  RunNotFailedError,
  RunNotWaitingError,
  StoreUnavailableError,
  type InputIssue,
} from '../errors.js'
import { toJson, type JsonObject, type JsonValue } from '../json.js'
import type { ResolvedLimits } from '../limits.js'
import { isFinished, type WorkflowStatus } from '../status.js'
import type {
  Checkpoint,
  NewRunEvent,
  RunEvent,
  RunFields,
  Scheduling,
  Store,
  StoredRequest,
  StoredRun,
} from '../store/store.js'
import { earliestExpiry, freshAnswers, parseDelivery, parseVisits } from './answers.js'
import { toAwaitingInput } from './awaiting-input.js'
import type { MachineDriver } from './machine-driver.js'
import { NodeExecution, type NodeOutcome } from './node-execution.js'
import { isRetryable, retryDelay } from './retry-policy.js'
import { serializeError } from './serialize-error.js'
import { retryUnavailable } from './store-retry.js'
import { validateState } from './validate-state.js'

/** A run as `executionState` shows it. */
export interface ExecutionState<TState = JsonObject> {
  runId: string
  workflowId: string
  version: number
  status: WorkflowStatus
  /** The node in flight (at most one today), empty once the run has finished. */
  currentNodes: string[]
  /** Requests the run waits on; answer them by `requestId`. */
  awaitingInput: AwaitingInput[]
  state: TState
  /** The run's result once completed: the output of its last node. */
  output: JsonValue | undefined
  /** Why the run failed, or the last error of a node that is being retried. */
  error: { name: string; message: string; code?: string } | null
  updatedAt: Date
}

/** Answers keyed by request ID. */
export type InputData = Readonly<Record<string, unknown>>

/** Options of `run` and `step`. */
export interface DeliveryOptions {
  /**
   * The node visit each answer is meant for, by request ID (`awaitingInput[].visit`). In a loop,
   * a node asks under the same request ID on every visit; naming the visit makes a resubmitted
   * answer for an earlier visit a recognised repeat instead of an answer to the open one.
   */
  visits?: Readonly<Record<string, number>>
  /**
   * Store the answers (validated as always) and hand the run to the workers instead of running
   * it in this process. The call returns once the answers are durable.
   */
  background?: boolean
}

/** What a `WorkflowEngine` needs from the Holdpoint that made it. */
export interface EngineHost {
  readonly store: Store
  readonly workflow: AnyWorkflow
  readonly driver: MachineDriver
  readonly limits: ResolvedLimits
  /** This process's name on leases. */
  readonly owner: string
  /** How long a lease lasts without renewal. */
  readonly leaseMs: number
  now(): Date
  /** Called when the run finished, so the host can forget the engine. */
  finished(runId: string): void
}

type Delivery = 'none' | 'nothing-new' | 'delivered' | 'handed-off'

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
  readonly #host: EngineHost
  #run: StoredRun
  #live: NodeExecution | undefined
  #turn: Promise<unknown> = Promise.resolve()
  #busy = 0

  /** @internal Use `hp.start()` or `hp.load()`. */
  constructor(host: EngineHost, run: StoredRun) {
    this.#host = host
    this.#run = run
    this.runId = run.id
  }

  /** The run as this engine last wrote or read it. */
  get executionState(): ExecutionState<TState> {
    const run = this.#run
    return {
      runId: run.id,
      workflowId: run.workflowId,
      version: run.version,
      status: run.status,
      currentNodes: run.nodeId === null || isFinished(run.status) ? [] : [run.nodeId],
      awaitingInput: run.requests.filter((r) => r.status === 'open').map(toAwaitingInput),
      state: run.state as TState,
      output: run.output,
      error: run.error,
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
    return this.#exclusive(() => this.#advance(inputData, Number.POSITIVE_INFINITY, options))
  }

  /** Like `run`, but completes at most one node. */
  step(inputData?: InputData, options?: DeliveryOptions): Promise<ExecutionState<TState>> {
    return this.#exclusive(() => this.#advance(inputData, 1, options))
  }

  /** Reads the run from the store again. */
  refresh(): Promise<ExecutionState<TState>> {
    return this.#exclusive(async () => {
      await this.#reload()
      return this.executionState
    })
  }

  /**
   * Ends the run from any process: its open requests close; the running node's `ctx.signal`
   * aborts here at once, and in the process executing it at its next lease renewal. Does nothing
   * to a run that already completed or was cancelled.
   */
  async cancel(reason?: string): Promise<ExecutionState<TState>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const run = this.#run
      if (isFinished(run.status)) return this.executionState
      const fields: RunFields = {
        ...run,
        status: 'cancelled',
        nodeId: null,
        updatedAt: this.#host.now(),
      }
      const checkpoint: Checkpoint = {
        runId: run.id,
        expectedVersion: run.rowVersion,
        run: fields,
        scheduling: { lease: null, wake: null },
        newRequests: [],
        answers: [],
        closeOpenRequests: true,
        events: [{ type: 'run_cancelled', data: reason === undefined ? {} : { reason } }],
      }
      if (await this.#checkpoint(checkpoint)) {
        this.#live?.abandon(new RunCancelledError(run.id, reason), true)
        this.#live = undefined
        this.#run = {
          ...run,
          ...fields,
          rowVersion: run.rowVersion + 1,
          lease: null,
          wakeAt: null,
          requests: run.requests.map((r) => (r.status === 'open' ? { ...r, status: 'closed' } : r)),
          steps: [],
        }
        this.#host.finished(run.id)
        return this.executionState
      }
      await this.#reload()
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
      await this.#write(
        {
          status: 'running',
          error: null,
          // A manual retry starts a new round of attempts under the node's retry policy.
          position: { ...run.position, attempt: 1 },
        },
        {
          scheduling: this.#holding(),
          requireLease: this.#host.owner,
          events: [{ type: 'run_retried', data: { node: run.nodeId } }],
        },
      )
      return this.#advance(undefined, Number.POSITIVE_INFINITY)
    })
  }

  /**
   * The run's history, oldest first, after sequence number `after`.
   *
   * @example
   * ```ts
   * for await (const event of engine.events()) console.log(event.seq, event.type, event.data)
   * ```
   */
  async *events(options: { after?: number } = {}): AsyncIterable<RunEvent> {
    let after = options.after ?? 0
    for (;;) {
      const page = await this.#host.store.listEvents(this.runId, after, 500)
      for (const event of page) yield event
      if (page.length < 500) return
      after = page[page.length - 1]?.seq ?? after
    }
  }

  /** @internal Drops in-memory progress (the run was taken over or evicted). */
  dispose(): void {
    this.#live?.abandon(new ConcurrentModificationError(this.runId))
    this.#live = undefined
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
    const delivery = await this.#deliver(inputData, options)
    if (delivery === 'nothing-new' || delivery === 'handed-off') return this.executionState
    if (delivery === 'none' && this.#idle() && !(await this.#expireDue())) {
      await this.#releaseLease()
      return this.executionState
    }
    let completed = 0
    while (
      completed < maxNodes &&
      (this.#run.status === 'running' || this.#run.status === 'waiting_for_input')
    ) {
      if (this.#run.status === 'running' && !this.#holdsLease() && !(await this.#acquireLease()))
        continue
      const live = this.#ensureLive()
      live.fireDueTimers(this.#host.now())
      const outcome = await this.#awaitNode(live)
      if (this.#live !== live || outcome.kind === 'abandoned') {
        // Cancelled, or the lease was lost: whoever holds the run now carries it on.
        await this.#reload().catch(() => {})
        break
      }
      if (outcome.kind === 'paused') {
        await this.#pause(live)
        break
      }
      if (outcome.kind === 'failed') {
        if (await this.#fail(live, outcome.error)) continue
        break
      }
      await this.#complete(live, outcome.output)
      completed++
    }
    return this.executionState
  }

  /** Nothing to do right now: waiting for people, or asleep until a deadline not yet reached. */
  #idle(): boolean {
    const run = this.#run
    if (run.status === 'waiting_for_input') return true
    const sleeping =
      run.status === 'running' &&
      run.lease === null &&
      run.wakeAt !== null &&
      run.wakeAt.getTime() > this.#host.now().getTime()
    return sleeping && !this.#live?.fireDueTimers(this.#host.now())
  }

  /**
   * Validates and stores answers, then hands them to the waiting node (or, with `background`, to
   * the workers). `nothing-new`: every answer was already stored, and the call is a no-op.
   */
  async #deliver(inputData: InputData | undefined, options: DeliveryOptions): Promise<Delivery> {
    if (inputData === undefined || inputData === null) return 'none'
    const answers = parseDelivery(inputData, this.#host.limits)
    const visits = parseVisits(options.visits)
    if (answers.size === 0) return 'none'

    const fresh = await this.#freshAnswers(answers, visits)
    if (fresh.size === 0) return 'nothing-new'

    const live = this.#ensureLive()
    const outcome = await live.next()
    if (outcome.kind === 'abandoned') throw new ConcurrentModificationError(this.runId)
    if (outcome.kind !== 'paused') {
      // The replay failed, or finished without asking what the run waits for (the code changed).
      const error =
        outcome.kind === 'failed'
          ? outcome.error
          : new NondeterminismError(
              live.nodeId,
              `a request for ${[...fresh.keys()].join(', ')}`,
              'the node completing',
            )
      await this.#failFinally(live, error)
      throw new RunNotWaitingError(this.runId, this.#run.status, { cause: error })
    }
    const issues: InputIssue[] = []
    const parsed = new Map<string, unknown>()
    for (const [requestId, value] of fresh) {
      const pending = live.pending.get(requestId)
      if (!pending) {
        const error = new NondeterminismError(
          live.nodeId,
          `a request for "${requestId}"`,
          'no such request',
        )
        await this.#failFinally(live, error)
        throw new RunNotWaitingError(this.runId, this.#run.status, { cause: error })
      }
      const result = pending.schema
        ? pending.schema.safeParse(value)
        : { success: true as const, data: value }
      if (result.success) parsed.set(requestId, result.data)
      else {
        for (const i of result.error.issues) {
          issues.push({ requestId, path: i.path, message: i.message, code: i.code })
        }
      }
    }
    if (issues.length > 0) throw new InvalidInputError(issues)

    const remaining = this.#run.requests.filter(
      (r) => r.status === 'open' && !fresh.has(r.requestId),
    )
    const scheduling: Scheduling =
      remaining.length > 0
        ? { lease: null, wake: earliestExpiry(remaining) }
        : options.background
          ? { lease: null, wake: 'now', notify: true }
          : this.#holding()
    const written = await this.#write(
      { status: remaining.length > 0 ? 'waiting_for_input' : 'running' },
      {
        scheduling,
        answers: [...fresh].map(([requestId, answer]) => {
          const request = live.pending.get(requestId)?.request as StoredRequest
          return {
            nodeId: request.nodeId,
            visit: request.visit,
            requestId,
            status: 'answered' as const,
            answer,
          }
        }),
        events: [...fresh.keys()].map((requestId) => ({
          type: 'input_received' as const,
          data: { requestId, node: live.nodeId, visit: live.visit },
        })),
        // Someone else moved the run. If they stored exactly these answers, this call is a
        // duplicate; if they stored others, the check says so (ALREADY_ANSWERED and the like).
        onConflict: async () => (await this.#freshAnswers(answers, visits)).size === 0,
      },
    )
    if (written === 'duplicate') return 'nothing-new'
    if (written === 'cancelled') throw new RunNotWaitingError(this.runId, 'cancelled')
    const at = this.#run.updatedAt
    this.#run.requests = this.#run.requests.map((r) =>
      fresh.has(r.requestId) && r.status === 'open'
        ? { ...r, status: 'answered', answer: fresh.get(r.requestId), answeredAt: at }
        : r,
    )
    if (options.background) {
      this.#live = undefined
      live.abandon(undefined)
      return 'handed-off'
    }
    for (const [requestId, value] of parsed) live.settle(requestId, { value })
    return 'delivered'
  }

  #freshAnswers(
    answers: ReadonlyMap<string, JsonValue>,
    visits: ReadonlyMap<string, number>,
  ): Promise<Map<string, JsonValue>> {
    return freshAnswers(answers, visits, this.#run, (ids) =>
      this.#host.store.findClosedRequests(this.runId, ids),
    )
  }

  /**
   * Resolves requests whose stored deadline has passed: the node gets the request's default, or
   * `INPUT_TIMEOUT` is thrown at its `await`. Returns whether any expired.
   */
  async #expireDue(): Promise<boolean> {
    const now = this.#host.now().getTime()
    const due = this.#run.requests.filter(
      (r) => r.status === 'open' && r.expiresAt !== null && r.expiresAt.getTime() <= now,
    )
    if (due.length === 0) return false
    const live = this.#ensureLive()
    const outcome = await live.next()
    if (outcome.kind !== 'paused') return true // the loop handles a completed or failed body
    const remaining = this.#run.requests.filter((r) => r.status === 'open' && !due.includes(r))
    const written = await this.#write(
      { status: remaining.length > 0 ? 'waiting_for_input' : 'running' },
      {
        scheduling:
          remaining.length > 0 ? { lease: null, wake: earliestExpiry(remaining) } : this.#holding(),
        answers: due.map((r) => ({
          nodeId: r.nodeId,
          visit: r.visit,
          requestId: r.requestId,
          status: 'expired' as const,
          answer: r.spec.default?.value,
        })),
        events: due.map((r) => ({
          type: 'input_expired' as const,
          data: {
            requestId: r.requestId,
            node: r.nodeId,
            visit: r.visit,
            defaulted: r.spec.default !== undefined,
          },
        })),
      },
    )
    if (written !== 'written') return false
    this.#run.requests = this.#run.requests.map((r) =>
      due.includes(r) ? { ...r, status: 'expired', answer: r.spec.default?.value } : r,
    )
    for (const r of due) {
      const expired = { ...r, status: 'expired' as const }
      let settled: { value: unknown } | { error: unknown }
      try {
        settled = {
          value: NodeExecution.answerOf(expired, live.pending.get(r.requestId)?.schema, this.runId),
        }
      } catch (error) {
        settled = { error }
      }
      live.settle(r.requestId, settled)
    }
    return true
  }

  #ensureLive(): NodeExecution {
    if (this.#live) return this.#live
    const run = this.#run
    const nodeId = run.nodeId as string
    const live = new NodeExecution({
      driver: this.#host.driver,
      store: this.#host.store,
      runId: run.id,
      nodeId,
      visit: run.visit,
      input: run.input,
      state: structuredClone(run.state),
      outputs: run.outputs,
      recorded: {
        requests: run.requests.filter((r) => r.nodeId === nodeId && r.visit === run.visit),
        steps: run.steps,
      },
      now: () => this.#host.now(),
      maxStepBytes: this.#host.limits.outputBytes,
    })
    this.#live = live
    live.start()
    return live
  }

  /** Waits for the node, renewing the lease meanwhile; a lost lease abandons the execution. */
  async #awaitNode(live: NodeExecution): Promise<NodeOutcome> {
    if (this.#run.lease?.owner !== this.#host.owner) return live.next()
    const beat = setInterval(
      () => void this.#renewLease(live),
      Math.max(20, this.#host.leaseMs / 3),
    )
    try {
      return await live.next()
    } finally {
      clearInterval(beat)
    }
  }

  async #renewLease(live: NodeExecution | undefined): Promise<boolean> {
    const { store, owner, leaseMs } = this.#host
    let renewed: boolean
    try {
      renewed = await store.renewLease(this.runId, owner, leaseMs)
    } catch {
      return true // the store blinked; the next beat tries again, well before the lease runs out
    }
    if (renewed) this.#run.lease = { owner, until: new Date(Date.now() + leaseMs) }
    else if (this.#live === live) this.dispose()
    return renewed
  }

  #holdsLease(): boolean {
    const lease = this.#run.lease
    return (
      lease?.owner === this.#host.owner &&
      lease.until.getTime() - Date.now() > this.#host.leaseMs / 3
    )
  }

  /** Takes the run's lease before executing it; false when the run changed meanwhile (look again). */
  async #acquireLease(): Promise<boolean> {
    const lease = this.#run.lease
    if (lease && lease.owner !== this.#host.owner && lease.until.getTime() > Date.now()) {
      throw new RunLeasedError(this.runId, lease.owner, lease.until)
    }
    try {
      await this.#write({}, { scheduling: this.#holding(), requireLease: this.#host.owner })
      return true
    } catch (error) {
      if (HoldpointError.is(error, 'CONCURRENT_MODIFICATION')) return false
      throw error
    }
  }

  /** Lets go of a lease this engine holds on a run it has nothing to do for. */
  async #releaseLease(): Promise<void> {
    if (this.#run.lease?.owner !== this.#host.owner) return
    await this.#write({}, { scheduling: this.#resting(this.#live) })
  }

  async #pause(live: NodeExecution): Promise<void> {
    const requests = live.newRequests()
    const open = [...this.#run.requests.filter((r) => r.status === 'open'), ...requests]
    const status: WorkflowStatus = open.length > 0 ? 'waiting_for_input' : 'running'
    const holding = this.#run.lease?.owner === this.#host.owner
    if (requests.length === 0 && status === this.#run.status && !holding) return
    await this.#write(
      { status },
      {
        scheduling: this.#resting(live),
        newRequests: requests,
        events: requests.map((r) => ({
          type: 'input_requested' as const,
          data: { requestId: r.requestId, node: r.nodeId, visit: r.visit },
        })),
      },
    )
    live.markStored()
    this.#run.requests = [...this.#run.requests, ...requests]
  }

  async #complete(live: NodeExecution, output: unknown): Promise<void> {
    const run = this.#run
    let next: ReturnType<MachineDriver['complete']>
    let state: JsonObject
    let outputs: JsonObject
    let nodeOutput: JsonValue | undefined
    try {
      const { limits } = this.#host
      nodeOutput =
        output === undefined
          ? undefined
          : toJson(output, `The output of node "${live.nodeId}"`, limits.outputBytes)
      state = validateState(this.#host.workflow, live.nodeId, live.ctx.state, limits.stateBytes)
      outputs = { ...run.outputs }
      if (nodeOutput === undefined) delete outputs[live.nodeId]
      else outputs[live.nodeId] = nodeOutput
      next = this.#host.driver.complete(run.position, live.nodeId, nodeOutput, {
        input: run.input,
        state,
        output: outputs,
      })
    } catch (error) {
      await this.#failFinally(live, error)
      return
    }
    const events: NewRunEvent[] = [
      {
        type: 'node_completed',
        data: {
          node: live.nodeId,
          visit: live.visit,
          ms: Date.now() - live.startedAt,
          owner: this.#host.owner,
        },
      },
    ]
    const visits = { ...run.position.visits }
    let fields: Partial<RunFields>
    let scheduling: Scheduling
    if (next.next.kind === 'node') {
      const nodeId = next.next.nodeId
      const visit = (visits[nodeId] ?? 0) + 1
      visits[nodeId] = visit
      fields = {
        status: 'running',
        nodeId,
        visit,
        position: { ...next.position, visits },
        state,
        outputs,
        error: null,
      }
      scheduling = this.#holding()
    } else {
      const result =
        next.next.output === undefined ? nodeOutput : toJson(next.next.output, 'The run output')
      fields = {
        status: 'completed',
        nodeId: null,
        position: { ...next.position, visits },
        state,
        outputs,
        output: result,
        error: null,
      }
      scheduling = { lease: null, wake: null }
      events.push({ type: 'run_completed', data: {} })
    }
    this.#live = undefined
    await this.#write(fields, { scheduling, events })
    this.#run.requests = this.#run.requests.filter((r) => r.status === 'open')
    this.#run.steps = []
    if (fields.status === 'completed') this.#host.finished(this.runId)
  }

  /**
   * A node threw. Under its retry policy the node runs again after a backoff, in this process
   * and holding the lease (returns true); otherwise the run fails (returns false).
   */
  async #fail(live: NodeExecution, error: unknown): Promise<boolean> {
    const run = this.#run
    const policy = this.#host.workflow.retry[live.nodeId]
    const attempt = run.position.attempt ?? 1
    if (
      !policy ||
      attempt >= policy.maxAttempts ||
      !isRetryable(error) ||
      run.status === 'cancelled'
    ) {
      await this.#failFinally(live, error)
      return false
    }
    this.#dropExecution(live, error)
    const delay = retryDelay(policy, attempt)
    const serialized = serializeError(error)
    await this.#write(
      { status: 'running', error: serialized, position: { ...run.position, attempt: attempt + 1 } },
      {
        scheduling: this.#holding(),
        events: [
          {
            type: 'node_failed',
            data: {
              node: live.nodeId,
              visit: live.visit,
              attempt,
              message: serialized.message,
              retryInMs: delay,
            },
          },
        ],
      },
    )
    return this.#waitHoldingLease(delay)
  }

  async #failFinally(live: NodeExecution, error: unknown): Promise<void> {
    if (HoldpointError.is(error, 'RUN_CANCELLED') && this.#run.status === 'cancelled') return
    this.#dropExecution(live, error)
    const serialized = serializeError(error)
    await this.#write(
      { status: 'failed', error: serialized },
      {
        scheduling: { lease: null, wake: null },
        events: [
          {
            type: 'node_failed',
            data: {
              node: live.nodeId,
              visit: live.visit,
              attempt: this.#run.position.attempt ?? 1,
              message: serialized.message,
            },
          },
          { type: 'run_failed', data: serialized.code ? { code: serialized.code } : {} },
        ],
      },
    )
  }

  #dropExecution(live: NodeExecution, error: unknown): void {
    this.#live = undefined
    live.abandon(error)
    // The next execution of this visit must find the effects this one already stored.
    this.#run.steps = live.knownSteps
  }

  /** Sleeps `ms` while renewing the lease; false if the lease was lost meanwhile. */
  async #waitHoldingLease(ms: number): Promise<boolean> {
    const until = Date.now() + ms
    const beat = Math.max(20, this.#host.leaseMs / 3)
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(beat, until - Date.now())))
      if (Date.now() < until && !(await this.#renewLease(undefined))) {
        await this.#reload().catch(() => {})
        return false
      }
    }
    return true
  }

  /** The lease held by this process, renewed at every checkpoint while the run executes here. */
  #holding(): Scheduling {
    return { lease: { owner: this.#host.owner, ms: this.#host.leaseMs }, wake: 'lease' }
  }

  /** No lease; wake at the earliest deadline the run waits on, if any. */
  #resting(live: NodeExecution | undefined): Scheduling {
    const requests = earliestExpiry(this.#run.requests)
    const node = live?.nextDeadline() ?? null
    const wake = [requests, node]
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0]
    return { lease: null, wake: wake ?? null }
  }

  /**
   * Writes one checkpoint guarded by the row version (and, with `requireLease`, by the lease).
   * When another writer got there first, this engine drops its in-memory progress, reloads, and
   * throws `CONCURRENT_MODIFICATION` (or `RUN_LEASED`) — unless `onConflict` says the other
   * writer did the same thing (`duplicate`), or the run was cancelled (`cancelled`: the caller
   * stops quietly).
   */
  async #write(
    fields: Partial<RunFields>,
    parts: {
      scheduling: Scheduling
      requireLease?: string
      newRequests?: StoredRequest[]
      answers?: Checkpoint['answers']
      events?: NewRunEvent[]
      onConflict?: () => Promise<boolean>
    },
  ): Promise<'written' | 'duplicate' | 'cancelled'> {
    const run = this.#run
    const next: RunFields = {
      status: run.status,
      nodeId: run.nodeId,
      visit: run.visit,
      position: run.position,
      state: run.state,
      outputs: run.outputs,
      output: run.output,
      error: run.error,
      ...fields,
      updatedAt: this.#host.now(),
    }
    const checkpoint: Checkpoint = {
      runId: run.id,
      expectedVersion: run.rowVersion,
      run: next,
      scheduling: parts.scheduling,
      newRequests: parts.newRequests ?? [],
      answers: parts.answers ?? [],
      closeOpenRequests: false,
      events: parts.events ?? [],
    }
    if (parts.requireLease !== undefined) checkpoint.requireLease = parts.requireLease
    if (await this.#checkpoint(checkpoint)) {
      const { lease, wake } = parts.scheduling
      const until = lease ? new Date(Date.now() + lease.ms) : null
      this.#run = {
        ...run,
        ...next,
        rowVersion: run.rowVersion + 1,
        lease: lease && until ? { owner: lease.owner, until } : null,
        wakeAt:
          wake === null ? null : wake === 'now' ? new Date() : wake === 'lease' ? until : wake,
      }
      return 'written'
    }
    this.dispose()
    await this.#reload()
    if (parts.onConflict && (await parts.onConflict())) return 'duplicate'
    if (this.#run.status === 'cancelled') return 'cancelled'
    const lease = this.#run.lease
    if (
      parts.requireLease &&
      lease &&
      lease.owner !== parts.requireLease &&
      lease.until.getTime() > Date.now()
    ) {
      throw new RunLeasedError(this.runId, lease.owner, lease.until)
    }
    throw new ConcurrentModificationError(this.runId)
  }

  /**
   * Writes a checkpoint. When the connection fails mid-write the outcome is unknown (the commit
   * may have happened): the store is read back until it answers, to tell whether this very write
   * landed, and the write is retried only if it did not.
   */
  async #checkpoint(checkpoint: Checkpoint): Promise<boolean> {
    const { store } = this.#host
    try {
      return await store.checkpoint(checkpoint)
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error
    }
    return retryUnavailable(async () => {
      const stored = await store.loadRun(checkpoint.runId)
      if (!stored) return false
      if (
        stored.rowVersion === checkpoint.expectedVersion + 1 &&
        stored.updatedAt.getTime() === checkpoint.run.updatedAt.getTime()
      ) {
        return true
      }
      if (stored.rowVersion !== checkpoint.expectedVersion) return false
      return store.checkpoint(checkpoint)
    })
  }

  async #reload(): Promise<void> {
    const run = await this.#host.store.loadRun(this.runId)
    if (!run) throw new ConcurrentModificationError(this.runId)
    if (run.rowVersion !== this.#run.rowVersion) this.dispose()
    this.#run = run
  }
}
