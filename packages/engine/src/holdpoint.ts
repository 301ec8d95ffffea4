import type { AnyWorkflow, Workflow } from './definition/workflow.js'
import type { AwaitingInput } from './definition/request-input.js'
import {
  InvalidDefinitionError,
  InvalidInputError,
  RunNotFoundError,
  StoreClosedError,
  StoreUnavailableError,
} from './errors.js'
import { toJson, type JsonObject, type JsonValue } from './json.js'
import { resolveLimits, type PayloadLimits, type ResolvedLimits } from './limits.js'
import { toAwaitingInput } from './runtime/awaiting-input.js'
import { uuidv7 } from './runtime/uuid.js'
import { label, WorkflowRegistry } from './workflow-registry.js'
import { writeToken } from './runtime/write-token.js'
import { validateState } from './runtime/validate-state.js'
import type { EngineHost } from './runtime/engine-host.js'
import { WorkflowEngine, type ExecutionState } from './runtime/workflow-engine.js'
import type { WorkflowStatus } from './status.js'
import type { RunFilter, Scheduling, Store, StoredRun } from './store/store.js'
import { retryUnavailable } from './runtime/store-retry.js'
import { Worker, type WorkerOptions } from './runtime/worker.js'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

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
}

/** Options of `hp.start()`. */
export interface StartOptions<TState = unknown> {
  /** Start this version instead of the newest registered one. */
  version?: number
  /** The initial shared state, before the state schema's defaults apply. */
  state?: Partial<TState>
  /** Hand the run to the workers (`hp.worker()`) instead of running it from this engine. */
  background?: boolean
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
  /** The last `runId` of the previous page. */
  after?: string
}

type IdOf<W> = W extends Workflow<infer Id, unknown, unknown> ? Id : never
type InputFor<W extends readonly AnyWorkflow[], Id> =
  Extract<W[number], { id: Id }> extends Workflow<string, infer I, unknown> ? I : never
type StateFor<W extends readonly AnyWorkflow[], Id> =
  Extract<W[number], { id: Id }> extends Workflow<string, unknown, infer S> ? S : never

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
  readonly #engines = new Map<string, WorkflowEngine<JsonObject>>()
  readonly #liveRuns: number
  readonly #now: () => Date
  readonly #limits: ResolvedLimits
  readonly #leaseMs: number
  readonly #workers = new Set<Worker>()
  /** This process's name on leases. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  #store: Promise<Store> | undefined
  #explicitStore: Store | undefined
  #closed = false

  /** @internal Use `createHoldpoint`. */
  constructor(options: HoldpointOptions<TWorkflows>) {
    this.#registry = new WorkflowRegistry(options.workflows)
    this.#explicitStore = options.store
    this.#liveRuns = options.liveRuns ?? 1000
    this.#now = options.now ?? (() => new Date())
    this.#limits = resolveLimits(options.limits)
    this.#leaseMs = options.leaseMs ?? 30_000
    if (!Number.isSafeInteger(this.#leaseMs) || this.#leaseMs < 100) {
      throw new InvalidDefinitionError('leaseMs must be an integer of at least 100 (milliseconds).')
    }
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
   * until you call `run()` or `step()`.
   */
  async start<Id extends IdOf<TWorkflows[number]>>(
    workflowId: Id,
    input: InputFor<TWorkflows, Id>,
    startOptions: StartOptions<StateFor<TWorkflows, Id>> = {},
  ): Promise<WorkflowEngine<StateFor<TWorkflows, Id> & JsonObject>> {
    const options = startOptions ?? {}
    const { workflow, driver } = this.#registry.resolve(workflowId, options.version)
    const parsedInput = workflow.inputSchema
      ? workflow.inputSchema.safeParse(input)
      : { success: true as const, data: input }
    if (!parsedInput.success) {
      throw new InvalidInputError(
        parsedInput.error.issues.map((i) => ({
          requestId: '',
          path: ['input', ...i.path],
          message: i.message,
          code: i.code,
        })),
      )
    }
    const runInput =
      parsedInput.data === undefined
        ? null
        : toJson(parsedInput.data, 'The run input', this.#limits.inputBytes)
    let state: JsonObject
    try {
      state = validateState(workflow, '(start)', options.state ?? {}, this.#limits.stateBytes)
    } catch (error) {
      if (error instanceof Error && 'issues' in error) {
        const issues = (error as { issues: { path: readonly PropertyKey[]; message: string }[] })
          .issues
        throw new InvalidInputError(
          issues.map((i) => ({ requestId: '', path: ['state', ...i.path], message: i.message })),
        )
      }
      throw error
    }
    const { position, next } = driver.start()
    if (next.kind !== 'node')
      throw new InvalidDefinitionError(`Workflow "${workflow.id}" starts in a final state.`)
    const now = this.#now()
    const run: StoredRun = {
      id: uuidv7(now.getTime()),
      workflowId: workflow.id,
      version: workflow.version,
      status: 'running',
      nodeId: next.nodeId,
      visit: 1,
      position: { ...position, visits: { [next.nodeId]: 1 } },
      state,
      outputs: {},
      input: runInput,
      output: undefined,
      error: null,
      rowVersion: 1,
      createdAt: now,
      updatedAt: now,
      lease: options.background
        ? null
        : { owner: this.owner, until: new Date(Date.now() + this.#leaseMs) },
      wakeAt: options.background ? new Date() : new Date(Date.now() + this.#leaseMs),
      writeToken: null,
      requests: [],
      steps: [],
    }
    const store = await this.store()
    const scheduling: Scheduling = options.background
      ? { lease: null, wake: 'now', notify: true }
      : { lease: { owner: this.owner, ms: this.#leaseMs }, wake: 'lease' }
    const events = [
      { type: 'run_started' as const, data: { workflow: workflow.id, version: workflow.version } },
    ]
    // If the connection drops mid-insert, the insert may have committed. The id is fresh, made
    // by this call: a duplicate key, or the row found after a lost connection, is this very
    // start (a worker may already have moved the run on), so it is acknowledged.
    await retryUnavailable(async () => {
      try {
        await store.createRun({ ...run, ...scheduling, token: writeToken() }, events)
      } catch (error) {
        if (isDuplicateKey(error)) return
        if (error instanceof StoreUnavailableError && (await store.loadRun(run.id))) return
        throw error
      }
    })
    return this.#remember(
      new WorkflowEngine(this.#host(store, workflow.id, workflow.version), run),
    ) as never
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
    const run = typeof runId === 'string' ? await store.loadRun(runId) : undefined
    if (!run) throw new RunNotFoundError(label(runId))
    this.#registry.resolve(run.workflowId, run.version)
    const known = this.#engines.get(run.id)
    if (known && (known.rowVersion === run.rowVersion || known.busy)) {
      this.#touch(run.id, known)
      return known as unknown as WorkflowEngine<TState>
    }
    known?.dispose()
    return this.#remember(
      new WorkflowEngine(this.#host(store, run.workflowId, run.version), run),
    ) as never
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
    const filter: RunFilter = {}
    if (options.status !== undefined) filter.status = options.status
    if (options.workflow !== undefined) filter.workflowId = options.workflow
    if (options.limit !== undefined) filter.limit = options.limit
    if (options.after !== undefined) filter.after = options.after
    const runs = await store.listRuns(filter)
    return runs.map((r) => ({
      runId: r.id,
      workflowId: r.workflowId,
      version: r.version,
      status: r.status,
      currentNodes:
        r.nodeId === null || r.status === 'completed' || r.status === 'cancelled' ? [] : [r.nodeId],
      awaitingInput: r.openRequests.map(toAwaitingInput),
      output: r.output,
      error: r.error,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }))
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
  async close(): Promise<void> {
    if (this.#closed) return
    await Promise.all([...this.#workers].map((w) => w.stop()))
    this.#closed = true
    for (const engine of this.#engines.values()) engine.dispose()
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
      now: this.#now,
      finished: (runId) => this.#engines.delete(runId),
    }
  }

  #remember<E extends WorkflowEngine<JsonObject>>(engine: E): E {
    this.#touch(engine.runId, engine)
    // Oldest first; an engine in the middle of a call is never evicted.
    for (const [runId, old] of this.#engines) {
      if (this.#engines.size <= this.#liveRuns) break
      if (old.busy) continue
      old.dispose()
      this.#engines.delete(runId)
    }
    return engine
  }

  #touch(runId: string, engine: WorkflowEngine<JsonObject>): void {
    this.#engines.delete(runId)
    this.#engines.set(runId, engine)
  }
}

export type { ExecutionState }

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505'
}
