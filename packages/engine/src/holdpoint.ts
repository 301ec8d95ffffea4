import type { AnyWorkflow } from './definition/workflow.js'
import {
  HistoryDisabledError,
  HoldpointError,
  IdempotencyConflictError,
  InvalidDefinitionError,
  RunExistsError,
  RunNotFoundError,
  StoreClosedError,
} from './errors.js'
import { EventFollowers } from './history/event-followers.js'
import { eventStream } from './history/event-stream.js'
import { findForkPoint, forkEvents } from './history/fork-point.js'
import { newEvent, nodeStarted, type EventsOptions, type RunEvent } from './history/run-event.js'
import { parseExport } from './history/run-export.js'
import { jsonEqual, type JsonObject } from './json.js'
import { resolveLimits, type ResolvedLimits } from './limits.js'
import { parseHistory, parseIdempotencyKey, parseLeaseMs, parsePrune } from './option-checks.js'
import { earliestExpiry } from './runtime/answers.js'
import type { EngineHost } from './runtime/engine-host.js'
import { insertRun, newStoredRun, validateStart, type FirstRunner } from './runtime/new-run.js'
import { nameBasedUuid, uuidv7 } from './runtime/uuid.js'
import type { DeliveryOptions, InputData } from './runtime/deliver.js'
import { HeldEngines } from './runtime/held-engines.js'
import { Worker, type WorkerOptions } from './runtime/worker.js'
import { WorkflowEngine, type ExecutionState } from './runtime/workflow-engine.js'
import type { WorkflowStatus } from './status.js'
import type { Scheduling, Store } from './store/store.js'
import { label, WorkflowRegistry } from './workflow-registry.js'
import { listFilter, toListItem } from './run-list.js'
import type {
  HoldpointOptions,
  IdOf,
  InputFor,
  ListOptions,
  RunListItem,
  StartOptions,
  StateFor,
} from './holdpoint-options.js'

export type { HoldpointOptions, ListOptions, RunListItem, StartOptions }
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

/**
 * The entry point: registers workflows over a store, starts runs and loads them.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [approval] })
 * const engine = await hp.start('approval', { topic: 'AI safety' })
 * await engine.run()                       // runs until it waits for input
 * const inbox = await hp.list({ status: 'waiting_for_input' })
 * await hp.close()
 * ```
 */
export function createHoldpoint<const TWorkflows extends readonly AnyWorkflow[]>(
  options: HoldpointOptions<TWorkflows>,
): Holdpoint<TWorkflows> {
  return new Holdpoint(options)
}

/** Registered workflows over one store. Make one with `createHoldpoint`. */
export class Holdpoint<TWorkflows extends readonly AnyWorkflow[] = readonly AnyWorkflow[]> {
  readonly #registry: WorkflowRegistry
  readonly #engines: HeldEngines
  readonly #now: () => Date
  readonly #limits: ResolvedLimits
  readonly #leaseMs: number
  readonly #history: boolean
  readonly #workers = new Set<Worker>()
  readonly #followers = new EventFollowers(() => this.store())
  /** This process's name on leases. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  #store: Promise<Store> | undefined
  #explicitStore: Store | undefined
  #closed = false
  #closing: Promise<void> | undefined

  /** @internal Use `createHoldpoint`. */
  constructor(options: HoldpointOptions<TWorkflows>) {
    this.#registry = new WorkflowRegistry(options.workflows)
    this.#explicitStore = options.store
    this.#engines = new HeldEngines(options.liveRuns ?? 1000)
    this.#now = options.now ?? (() => new Date())
    this.#limits = resolveLimits(options.limits)
    this.#leaseMs = parseLeaseMs(options.leaseMs)
    this.#history = parseHistory(options.history)
  }

  /** The store, migrated and ready. */
  async store(): Promise<Store> {
    if (this.#closed) throw new StoreClosedError()
    this.#store ??= (async () => {
      const store = this.#explicitStore ?? (await import('./pglite.js')).pgliteStore()
      await store.ready()
      return store
    })().catch((error: unknown) => {
      this.#store = undefined
      throw error
    })
    return this.#store
  }

  /** The registered workflows. */
  get workflows(): AnyWorkflow[] {
    return this.#registry.all()
  }

  /**
   * Validates the input, creates the run (status `running`) and returns its engine. Nothing runs
   * until you call `run()` or `step()`. With an `idempotencyKey`, starting again with the same
   * key returns the run the first call started, as it is now (its version, state and way of
   * running are those of the first call).
   */
  async start<Id extends IdOf<TWorkflows[number]>>(
    workflowId: Id,
    input: InputFor<TWorkflows, Id>,
    startOptions: StartOptions<StateFor<TWorkflows, Id>> = {},
  ): Promise<WorkflowEngine<StateFor<TWorkflows, Id> & JsonObject>> {
    const options = startOptions ?? {}
    const { workflow, driver } = this.#registry.resolve(workflowId, options.version)
    const key = parseIdempotencyKey(options.idempotencyKey)
    const valid = validateStart(workflow, input, options.state, this.#limits)
    const { position, next } = driver.start()
    if (next.kind !== 'node')
      throw new InvalidDefinitionError(`Workflow "${workflow.id}" starts in a final state.`)
    const now = this.#now()
    const id =
      key === undefined ? uuidv7(now.getTime()) : nameBasedUuid(`${workflow.id}\u0000${key}`)
    const seed = {
      id,
      workflow,
      input: valid.input,
      nodeId: next.nodeId,
      visit: 1,
      position: { ...position, visits: { [next.nodeId]: 1 } },
      state: valid.state,
      outputs: {},
      createdAt: now,
    }
    const started = newEvent('run_started', { workflow: workflow.id, version: workflow.version })
    if (Object.keys(valid.state).length > 0) started.data.state = valid.state
    const { run, scheduling } = newStoredRun(seed, this.#runner(options.background))
    const host = this.#host(await this.store(), workflow.id, workflow.version)
    const events = [started, nodeStarted(next.nodeId, 1, position)]
    if ((await insertRun(host, run, scheduling, events)) === 'duplicate' && key !== undefined) {
      // The id hashes the workflow id with the key, so only the input can differ.
      const existing = await this.load(id)
      if (!jsonEqual(existing.executionState.input, valid.input)) {
        throw new IdempotencyConflictError(key, id)
      }
      return existing as never
    }
    return this.#engines.remember(new WorkflowEngine(host, run)) as never
  }

  /**
   * A fresh engine for an existing run, from any process. When this process already holds the
   * run paused in memory and nobody changed it since, that engine is returned, so an answer
   * resumes the node right after its `await`.
   */
  async load<TState extends JsonObject = JsonObject>(
    runId: string,
  ): Promise<WorkflowEngine<TState>> {
    const store = await this.store()
    if (typeof runId !== 'string') throw new RunNotFoundError(label(runId))
    const known = this.#engines.get(runId)
    if (known) {
      // Held here: the row version alone says whether it is still as stored.
      const version = await store.runVersion(known.runId)
      if (version !== undefined && (version === known.rowVersion || known.busy)) {
        this.#engines.touch(known)
        return known as unknown as WorkflowEngine<TState>
      }
    }
    const run = await store.loadRun(runId)
    if (!run) throw new RunNotFoundError(label(runId))
    this.#registry.resolve(run.workflowId, run.version)
    known?.dispose()
    return this.#engines.remember(
      new WorkflowEngine(this.#host(store, run.workflowId, run.version), run),
    ) as never
  }

  /**
   * Delivers keyed input to a run by its id and runs it to its next halt, from any process: what
   * `(await hp.load(runId)).run(input, options)` does, one round trip shorter when this process
   * holds the run. The held copy is trusted only as far as the write's compare-and-swap proves
   * it current; when another process changed the run meanwhile, or the copy refused the input,
   * the delivery is decided again on the run as stored.
   *
   * @example
   * ```ts
   * // A webhook handler: the callback brings the run id and the request key.
   * const state = await hp.deliver(runId, { approve: { approved: true, note: 'ok' } })
   * ```
   */
  async deliver<TState extends JsonObject = JsonObject>(
    runId: string,
    input: InputData,
    options?: DeliveryOptions,
  ): Promise<ExecutionState<TState>> {
    const held = typeof runId === 'string' ? this.#engines.get(runId) : undefined
    if (held) {
      try {
        return (await held.run(input, options)) as ExecutionState<TState>
      } catch (error) {
        if (!(error instanceof HoldpointError)) throw error
      }
    }
    return (await this.load<TState>(runId)).run(input, options)
  }

  /**
   * Lists runs, oldest first, with the requests they wait on: the inbox across runs.
   *
   * @example
   * ```ts
   * for (const run of await hp.list({ status: 'waiting_for_input' })) {
   *   for (const request of run.awaitingInput) console.log(run.runId, request.prompt)
   * }
   * ```
   */
  async list(options: ListOptions = {}): Promise<RunListItem[]> {
    const store = await this.store()
    return (await store.listRuns(listFilter(options))).map(toListItem)
  }

  /**
   * A run's history, without loading its workflow: like `engine.events()`, for any run in the
   * store (`RUN_NOT_FOUND` for an unknown id; `HISTORY_DISABLED` with `history: false`).
   *
   * @example
   * ```ts
   * for await (const event of hp.events(runId, { follow: true })) console.log(event.type)
   * ```
   */
  async *events(runId: string, options: EventsOptions = {}): AsyncGenerator<RunEvent, void> {
    if (typeof runId !== 'string') throw new RunNotFoundError(label(runId))
    const source = { store: await this.store(), followers: this.#followers, history: this.#history }
    yield* eventStream(source, runId, options)
  }

  /**
   * Starts a new run from an earlier point of another: the node in flight at event `at` (default:
   * the latest) runs again from its start, with the state and outputs it began with. The original
   * run is not touched; the new run's `run_started` event names it. Needs history: with
   * `history: false` it throws `HISTORY_DISABLED`.
   *
   * @example
   * ```ts
   * const fork = await hp.fork(runId, { at: 4 })
   * await fork.run()  // asks the question of event 4's node again
   * ```
   */
  async fork(
    runId: string,
    options: { at?: number; background?: boolean } = {},
  ): Promise<WorkflowEngine<JsonObject>> {
    if (!this.#history) throw new HistoryDisabledError()
    const store = await this.store()
    const source = typeof runId === 'string' ? await store.exportRun(runId) : undefined
    if (!source) throw new RunNotFoundError(label(runId))
    const { workflow } = this.#registry.resolve(source.workflowId, source.version)
    const point = findForkPoint(source, options?.at)
    const now = this.#now()
    const seed = {
      ...point,
      id: uuidv7(now.getTime()),
      workflow,
      input: source.input,
      createdAt: now,
    }
    const { run, scheduling } = newStoredRun(seed, this.#runner(options?.background))
    const host = this.#host(store, workflow.id, workflow.version)
    await insertRun(host, run, scheduling, forkEvents(source.id, point, workflow))
    return this.#engines.remember(new WorkflowEngine(host, run))
  }

  /**
   * Writes a run exported by `engine.export()` (from this store or another) into this store and
   * returns its engine. A running run is handed to the workers. Refuses documents of another
   * export version (`INVALID_EXPORT`) and ids already present (`RUN_EXISTS`).
   *
   * @example
   * ```ts
   * const engine = await hp.import(JSON.parse(await readFile('run.json', 'utf8')))
   * ```
   */
  async import(doc: unknown): Promise<WorkflowEngine<JsonObject>> {
    const record = parseExport(doc)
    this.#registry.resolve(record.workflowId, record.version)
    const store = await this.store()
    const scheduling: Scheduling =
      record.status === 'running'
        ? { lease: null, wake: 'now', notify: true }
        : { lease: null, wake: earliestExpiry(record.requests) }
    if (!(await store.importRun(record, scheduling))) throw new RunExistsError(record.id)
    return this.load(record.id)
  }

  /**
   * Deletes runs that finished before `olderThan`, with their requests, steps and history.
   * By default completed and cancelled runs; name `status` to prune failed or abandoned ones.
   * Returns how many runs were deleted.
   *
   * @example
   * ```ts
   * const week = 7 * 24 * 3600 * 1000
   * await hp.prune({ olderThan: new Date(Date.now() - week) })
   * ```
   */
  async prune(options: {
    olderThan: Date
    status?: WorkflowStatus | readonly WorkflowStatus[]
  }): Promise<number> {
    const filter = parsePrune(options)
    const store = await this.store()
    let total = 0
    for (;;) {
      const deleted = await store.pruneRuns({ ...filter, limit: 1000 })
      if (deleted > 0) this.#followers.wake(undefined)
      total += deleted
      if (deleted < 1000) return total
    }
  }

  /**
   * Starts a worker in this process: it claims runnable runs — started in the background, handed
   * over with answers, due deadlines and sleeps, and runs whose executing process died — and runs
   * each to its next halt, `concurrency` at a time. Wakes on `LISTEN/NOTIFY` where the store has
   * it, and polls every `pollMs` anyway.
   *
   * @example
   * ```ts
   * const worker = hp.worker({ concurrency: 8 })
   * process.on('SIGTERM', () => void worker.stop().then(() => hp.close()))
   * ```
   */
  worker(options: WorkerOptions = {}): Worker {
    if (this.#closed) throw new StoreClosedError()
    const worker = new Worker(
      {
        owner: this.owner,
        leaseMs: this.#leaseMs,
        workflows: this.workflows.map((w) => `${w.id}@${w.version}`),
        store: () => this.store(),
        load: (runId) => this.load(runId),
        stopped: (w) => this.#workers.delete(w),
      },
      options,
    )
    this.#workers.add(worker)
    return worker
  }

  /** Stops this Holdpoint's workers, drops in-memory runs and closes the store (its pool, or the embedded database). */
  close(): Promise<void> {
    // Calls made while closing wait for the same close: the store is closed once.
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    await Promise.all([...this.#workers].map((w) => w.stop()))
    this.#closed = true
    await this.#followers.close()
    this.#engines.clear()
    const store = this.#store
    this.#store = undefined
    if (store) await (await store.catch(() => undefined))?.close()
    else await this.#explicitStore?.close()
  }

  #host(store: Store, workflowId: string, version: number): EngineHost {
    const { workflow, driver } = this.#registry.resolve(workflowId, version)
    return {
      store,
      workflow,
      driver,
      limits: this.#limits,
      owner: this.owner,
      leaseMs: this.#leaseMs,
      history: this.#history,
      now: this.#now,
      followers: this.#followers,
      finished: (runId) => this.#engines.forget(runId),
    }
  }

  #runner(background: boolean | undefined): FirstRunner {
    return { owner: this.owner, leaseMs: this.#leaseMs, background: background === true }
  }
}

export type { ExecutionState }
