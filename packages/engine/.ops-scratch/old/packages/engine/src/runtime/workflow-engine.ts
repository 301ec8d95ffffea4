import type { AwaitingInput } from '../definition/request-input.js'
import type { AnyWorkflow } from '../definition/workflow.js'
import {
  AlreadyAnsweredError,
  ConcurrentModificationError,
  HoldpointError,
  InvalidInputError,
  NondeterminismError,
  RunCancelledError,
  RunNotFailedError,
  RunNotWaitingError,
  UnknownRequestError,
  type InputIssue,
} from '../errors.js'
import { jsonEqual, toJson, type JsonObject, type JsonValue } from '../json.js'
import { isFinished, type WorkflowStatus } from '../status.js'
import type {
  Checkpoint,
  NewRunEvent,
  RunEvent,
  RunFields,
  Store,
  StoredRequest,
  StoredRun,
} from '../store/store.js'
import type { MachineDriver } from './machine-driver.js'
import { NodeExecution } from './node-execution.js'
import { serializeError } from './serialize-error.js'
import { toAwaitingInput } from './awaiting-input.js'
import { validateState } from './validate-state.js'
import type { ResolvedLimits } from '../limits.js'

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
  error: { name: string; message: string; code?: string } | null
  updatedAt: Date
}

/** Answers keyed by request ID. */
export type InputData = Readonly<Record<string, unknown>>

/** Options of `run` and `step` that qualify the answers delivered. */
export interface DeliveryOptions {
  /**
   * The node visit each answer is meant for, by request ID (`awaitingInput[].visit`). In a loop,
   * a node asks under the same request ID on every visit; naming the visit makes a resubmitted
   * answer for an earlier visit a recognised repeat instead of an answer to the open one.
   */
  visits?: Readonly<Record<string, number>>
}

/** What a `WorkflowEngine` needs from the Holdpoint that made it. */
export interface EngineHost {
  readonly store: Store
  readonly workflow: AnyWorkflow
  readonly driver: MachineDriver
  readonly limits: ResolvedLimits
  now(): Date
  /** Called when the run finished, so the host can forget the engine. */
  finished(runId: string): void
}

/**
 * A handle on one run: drives it, delivers answers, and shows its state. Get one from
 * `hp.start()` or `hp.load()`. Calls on one engine take turns; many engines (in many processes)
 * may handle the same run, and the store's compare-and-swap keeps them honest.
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
   * Delivers answers (if any) and runs until the run halts: waiting for input, completed,
   * failed or cancelled. Answers are validated first and stored before the run moves on.
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
   * Ends the run: its open requests close and the running node's `ctx.signal` aborts. Does
   * nothing to a run that already completed or was cancelled.
   */
  async cancel(reason?: string): Promise<ExecutionState<TState>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const run = this.#run
      if (isFinished(run.status)) return this.executionState
      const events: NewRunEvent[] = [
        { type: 'run_cancelled', data: reason === undefined ? {} : { reason } },
      ]
      const fields: RunFields = {
        ...run,
        status: 'cancelled',
        nodeId: null,
        updatedAt: this.#host.now(),
      }
      const written = await this.#host.store.checkpoint({
        runId: run.id,
        expectedVersion: run.rowVersion,
        run: fields,
        newRequests: [],
        answers: [],
        closeOpenRequests: true,
        events,
      })
      if (written) {
        this.#live?.abandon(new RunCancelledError(run.id, reason), true)
        this.#live = undefined
        this.#run = {
          ...fields,
          id: run.id,
          workflowId: run.workflowId,
          version: run.version,
          input: run.input,
          createdAt: run.createdAt,
          rowVersion: run.rowVersion + 1,
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

  /** Re-runs the node a failed run stopped at, then runs on like `run()`. */
  retry(): Promise<ExecutionState<TState>> {
    return this.#exclusive(async () => {
      const run = this.#run
      if (run.status !== 'failed') throw new RunNotFailedError(run.id, run.status)
      await this.#write(
        {
          status: 'running',
          error: null,
          position: { ...run.position, attempt: (run.position.attempt ?? 0) + 1 },
        },
        { events: [{ type: 'run_retried', data: { node: run.nodeId } }] },
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
    const delivery = await this.#deliver(inputData, visitsOf(options))
    if (delivery === 'nothing-new') return this.executionState
    if (
      delivery === 'none' &&
      this.#run.status === 'waiting_for_input' &&
      !(await this.#expireDue())
    ) {
      return this.executionState
    }
    let completed = 0
    while (
      completed < maxNodes &&
      (this.#run.status === 'running' || this.#run.status === 'waiting_for_input')
    ) {
      const live = this.#ensureLive()
      const outcome = await live.next()
      if (this.#live !== live) break // cancelled or superseded meanwhile
      if (outcome.kind === 'paused') {
        await this.#pause(live)
        break
      }
      if (outcome.kind === 'failed') {
        await this.#fail(live, outcome.error)
        break
      }
      await this.#complete(live, outcome.output)
      completed++
    }
    return this.executionState
  }

  /**
   * Validates and stores answers, then hands them to the waiting node. Returns `none` when
   * nothing was delivered, `nothing-new` when every answer was already stored (the call is then
   * a no-op), `delivered` otherwise.
   */
  async #deliver(
    inputData: InputData | undefined,
    visits: ReadonlyMap<string, number>,
  ): Promise<'none' | 'nothing-new' | 'delivered'> {
    if (inputData === undefined || inputData === null) return 'none'
    if (typeof inputData !== 'object' || Array.isArray(inputData)) {
      throw new InvalidInputError([
        { requestId: '', path: [], message: 'Input data must be an object keyed by request ID.' },
      ])
    }
    const entries = Object.entries(inputData)
    const { answerBytes, answersPerDelivery } = this.#host.limits
    if (entries.length > answersPerDelivery) {
      throw new InvalidInputError([
        {
          requestId: '',
          path: [],
          message: `One delivery may carry at most ${answersPerDelivery} answers; it had ${entries.length}.`,
        },
      ])
    }
    const answers = new Map<string, JsonValue>()
    for (const [requestId, value] of entries) {
      answers.set(requestId, toJson(value, `The answer to "${requestId}"`, answerBytes))
    }
    if (answers.size === 0) return 'none'

    const fresh = await this.#newAnswers(answers, visits)
    if (fresh.size === 0) return 'nothing-new'

    const live = this.#ensureLive()
    const outcome = await live.next()
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
      await this.#fail(live, error)
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
        await this.#fail(live, error)
        throw new RunNotWaitingError(this.runId, this.#run.status, { cause: error })
      }
      const result = pending.schema
        ? pending.schema.safeParse(value)
        : { success: true as const, data: value }
      if (result.success) parsed.set(requestId, result.data)
      else {
        for (const i of result.error.issues)
          issues.push({ requestId, path: i.path, message: i.message, code: i.code })
      }
    }
    if (issues.length > 0) throw new InvalidInputError(issues)

    const stillOpen = this.#run.requests.some((r) => r.status === 'open' && !fresh.has(r.requestId))
    const written = await this.#write(
      { status: stillOpen ? 'waiting_for_input' : 'running' },
      {
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
        onConflict: async () => {
          // Someone else moved the run. If they stored exactly these answers, this call is a
          // duplicate; if they stored others, the check says so (ALREADY_ANSWERED and the like).
          return (await this.#newAnswers(answers, visits)).size === 0
        },
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
    for (const [requestId, value] of parsed) live.settle(requestId, { value })
    return 'delivered'
  }

  /**
   * Checks answers against what the run awaits. Returns those not stored yet; drops exact
   * repeats of stored answers; throws for anything else.
   */
  async #newAnswers(
    answers: ReadonlyMap<string, JsonValue>,
    visits: ReadonlyMap<string, number>,
  ): Promise<Map<string, JsonValue>> {
    const openRequests = this.#run.requests.filter((r) => r.status === 'open')
    const isOpen = (requestId: string): boolean =>
      openRequests.some(
        (r) => r.requestId === requestId && (visits.get(requestId) ?? r.visit) === r.visit,
      )
    const elsewhere = [...answers.keys()].filter((id) => !isOpen(id))
    const closed = await this.#host.store.findClosedRequests(this.runId, elsewhere)
    const fresh = new Map<string, JsonValue>()
    const unknown: string[] = []
    for (const [requestId, value] of answers) {
      if (isOpen(requestId)) {
        fresh.set(requestId, value)
        continue
      }
      const pinned = visits.get(requestId)
      const previous = closed.find(
        (r) => r.requestId === requestId && (pinned === undefined || r.visit === pinned),
      )
      if (previous?.status === 'answered') {
        if (!jsonEqual(previous.answer ?? null, value)) {
          throw new AlreadyAnsweredError(requestId, previous.answer ?? null)
        }
      } else unknown.push(requestId)
    }
    if (unknown.length > 0) {
      if (this.#run.status !== 'waiting_for_input') {
        throw new RunNotWaitingError(this.runId, this.#run.status)
      }
      throw new UnknownRequestError(
        unknown,
        openRequests.map((r) => r.requestId),
      )
    }
    return fresh
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
    const stillOpen = this.#run.requests.some((r) => r.status === 'open' && !due.includes(r))
    const written = await this.#write(
      { status: stillOpen ? 'waiting_for_input' : 'running' },
      {
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

  async #pause(live: NodeExecution): Promise<void> {
    const requests = live.newRequests()
    if (requests.length === 0 && this.#run.status === 'waiting_for_input') return
    await this.#write(
      { status: 'waiting_for_input' },
      {
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
      nodeOutput =
        output === undefined
          ? undefined
          : toJson(output, `The output of node "${live.nodeId}"`, this.#host.limits.outputBytes)
      state = validateState(
        this.#host.workflow,
        live.nodeId,
        live.ctx.state,
        this.#host.limits.stateBytes,
      )
      outputs = { ...run.outputs }
      if (nodeOutput === undefined) delete outputs[live.nodeId]
      else outputs[live.nodeId] = nodeOutput
      next = this.#host.driver.complete(run.position, live.nodeId, nodeOutput, {
        input: run.input,
        state,
        output: outputs,
      })
    } catch (error) {
      await this.#fail(live, error)
      return
    }
    const events: NewRunEvent[] = [
      {
        type: 'node_completed',
        data: { node: live.nodeId, visit: live.visit, ms: Date.now() - live.startedAt },
      },
    ]
    const visits = { ...run.position.visits }
    let fields: Partial<RunFields>
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
      }
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
      }
      events.push({ type: 'run_completed', data: {} })
    }
    this.#live = undefined
    await this.#write(fields, { events })
    this.#run.requests = this.#run.requests.filter((r) => r.status === 'open')
    this.#run.steps = []
    if (fields.status === 'completed') this.#host.finished(this.runId)
  }

  async #fail(live: NodeExecution, error: unknown): Promise<void> {
    if (HoldpointError.is(error, 'RUN_CANCELLED') && this.#run.status === 'cancelled') return
    this.#live = undefined
    live.abandon(error)
    // A retry re-runs this visit: it must find the effects this execution already stored.
    this.#run.steps = live.knownSteps
    const serialized = serializeError(error)
    await this.#write(
      { status: 'failed', error: serialized },
      {
        events: [
          {
            type: 'node_failed',
            data: { node: live.nodeId, visit: live.visit, message: serialized.message },
          },
          { type: 'run_failed', data: serialized.code ? { code: serialized.code } : {} },
        ],
      },
    )
  }

  /**
   * Writes one checkpoint guarded by the row version. When another writer got there first, this
   * engine drops its in-memory progress, reloads, and throws `CONCURRENT_MODIFICATION` — unless
   * `onConflict` says the other writer did the same thing (`duplicate`), or the run was cancelled
   * (`cancelled`: the caller stops quietly).
   */
  async #write(
    fields: Partial<RunFields>,
    parts: {
      newRequests?: StoredRequest[]
      answers?: Checkpoint['answers']
      events?: NewRunEvent[]
      onConflict?: () => Promise<boolean>
    } = {},
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
    const written = await this.#host.store.checkpoint({
      runId: run.id,
      expectedVersion: run.rowVersion,
      run: next,
      newRequests: parts.newRequests ?? [],
      answers: parts.answers ?? [],
      closeOpenRequests: false,
      events: parts.events ?? [],
    })
    if (written) {
      this.#run = { ...run, ...next, rowVersion: run.rowVersion + 1 }
      return 'written'
    }
    this.dispose()
    await this.#reload()
    if (parts.onConflict && (await parts.onConflict())) return 'duplicate'
    if (this.#run.status === 'cancelled') return 'cancelled'
    throw new ConcurrentModificationError(this.runId)
  }

  async #reload(): Promise<void> {
    const run = await this.#host.store.loadRun(this.runId)
    if (!run) throw new ConcurrentModificationError(this.runId)
    if (run.rowVersion !== this.#run.rowVersion) this.dispose()
    this.#run = run
  }
}

function visitsOf(options: DeliveryOptions): Map<string, number> {
  const visits = new Map<string, number>()
  for (const [requestId, visit] of Object.entries(options.visits ?? {})) {
    if (!Number.isSafeInteger(visit) || visit < 1) {
      throw new InvalidInputError([
        {
          requestId,
          path: [],
          message: 'A visit must be a positive integer (see awaitingInput[].visit).',
        },
      ])
    }
    visits.set(requestId, visit)
  }
  return visits
}
