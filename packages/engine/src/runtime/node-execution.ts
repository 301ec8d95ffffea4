import type { z } from 'zod'
import type { NodeContext } from '../definition/node-context.js'
import type { RequestInputOptions } from '../definition/request-input.js'
import {
  HoldpointError,
  InvalidDefinitionError,
  NondeterminismError,
  StepKeyReusedError,
} from '../errors.js'
import { toJson, type JsonObject } from '../json.js'
import type { Store, StoredRequest, StoredStep } from '../store/store.js'
import { answerOf, isWaitMs, MAX_WAIT_MS, newRequest, requestIdOf } from './request-record.js'
import { LazyAbortSignal } from './lazy-abort-signal.js'
import type { MachineDriver } from './machine-driver.js'
import { retryUnavailable } from './store-retry.js'

/** A request the node is blocked on. */
export interface PendingRequest {
  request: StoredRequest
  schema: z.ZodType | undefined
  /** Not yet in the store: the next pause checkpoint writes it. */
  isNew: boolean
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** How a node execution stands when the engine looks. */
export type NodeOutcome =
  | { kind: 'paused' }
  | { kind: 'completed'; output: unknown }
  | { kind: 'failed'; error: unknown }
  | { kind: 'abandoned' }

export interface NodeExecutionOptions {
  driver: MachineDriver
  store: Store
  runId: string
  nodeId: string
  visit: number
  input: unknown
  state: JsonObject
  outputs: JsonObject
  /** What earlier executions of this visit recorded: its requests and its step results. */
  recorded: { requests: readonly StoredRequest[]; steps: readonly StoredStep[] }
  now: () => Date
  /** Largest step result or request payload, in bytes of JSON. */
  maxStepBytes?: number
}

/** Step keys starting with this are Holdpoint's own (durable sleeps). */
const RESERVED_STEP_PREFIX = '$'

/**
 * One execution of one node visit: runs the body, serves recorded answers and step results to a
 * replay, and reports when the body is blocked on requests nobody has answered yet.
 */
export class NodeExecution {
  readonly nodeId: string
  readonly visit: number
  readonly startedAt: number
  readonly ctx: NodeContext<unknown, JsonObject>
  readonly pending = new Map<string, PendingRequest>()
  /** Durable sleeps the body waits on, by step key. */
  readonly timers = new Map<string, { wakeAt: Date; resolve: () => void }>()
  readonly #options: NodeExecutionOptions
  readonly #abort = new LazyAbortSignal()
  readonly #requests = new Map<number, StoredRequest>()
  readonly #steps = new Map<number, StoredStep>()
  /** Every step result of this visit known here: recorded before, or stored by this execution. */
  readonly knownSteps: StoredStep[] = []
  readonly #askedIds = new Set<string>()
  readonly #stepKeys = new Set<string>()
  #requestSeq = 0
  #stepSeq = 0
  #sleepSeq = 0
  #abandoned = false
  #replayRemaining: number
  #result: Extract<NodeOutcome, { kind: 'completed' | 'failed' }> | undefined
  /** An error the body must not swallow: it fails the node even if caught. */
  #fatal: HoldpointError | undefined
  #paused = false
  #pauseScheduled = false
  /** Steps whose function or write is in flight: the body is at work, not waiting. */
  #stepsRunning = 0
  #wake: (() => void) | undefined

  constructor(options: NodeExecutionOptions) {
    this.#options = options
    this.nodeId = options.nodeId
    this.visit = options.visit
    this.startedAt = Date.now()
    for (const r of options.recorded.requests) this.#requests.set(r.seq, r)
    for (const s of options.recorded.steps) this.#steps.set(s.seq, s)
    this.knownSteps.push(...options.recorded.steps)
    this.#replayRemaining = this.#requests.size + this.#steps.size
    const replaying = (): boolean => this.#replayRemaining > 0
    const abort = this.#abort
    this.ctx = {
      input: options.input,
      state: options.state,
      output: options.outputs,
      node: { id: options.nodeId, visit: options.visit },
      runId: options.runId,
      requestInput: ((o?: RequestInputOptions) =>
        this.#requestInput(o ?? {})) as NodeContext['requestInput'],
      step: <T>(key: string, fn: () => T | Promise<T>) => this.#step(key, fn),
      sleep: (ms: number) => this.#sleep(ms),
      get isReplaying() {
        return replaying()
      },
      get signal() {
        return abort.signal
      },
    }
  }

  /** Starts the body. */
  start(): void {
    let output: Promise<unknown>
    try {
      output = this.#options.driver.runBody(this.nodeId, this.ctx)
    } catch (error) {
      output = Promise.reject(error)
    }
    output.then(
      (value) =>
        this.#finish(
          this.#fatal
            ? { kind: 'failed', error: this.#fatal }
            : { kind: 'completed', output: value },
        ),
      (error: unknown) => this.#finish({ kind: 'failed', error: this.#fatal ?? error }),
    )
  }

  /** Waits until the body completes, fails, or is blocked on unanswered requests. */
  async next(): Promise<NodeOutcome> {
    for (;;) {
      if (this.#abandoned) return { kind: 'abandoned' }
      if (this.#result) return this.#result
      if (this.#paused) return { kind: 'paused' }
      await new Promise<void>((resolve) => (this.#wake = resolve))
    }
  }

  /** Requests asked by this execution that the store does not have yet. */
  newRequests(): StoredRequest[] {
    return [...this.pending.values()].filter((p) => p.isNew).map((p) => p.request)
  }

  /** Marks the pending requests as stored. */
  markStored(): void {
    for (const p of this.pending.values()) p.isNew = false
  }

  /** Hands answers to the waiting body. The caller stored them first. */
  settle(requestId: string, outcome: { value: unknown } | { error: unknown }): void {
    const pending = this.pending.get(requestId)
    if (!pending) return
    this.pending.delete(requestId)
    this.#unpause()
    this.#consumeReplay(pending.request)
    if ('value' in outcome) pending.resolve(outcome.value)
    else pending.reject(outcome.error)
  }

  /**
   * Stops this execution for good and aborts its signal. With `rejectPending`, the requests it
   * awaits reject with `reason` (a cancel the body may react to); otherwise they stay pending and
   * are collected, so no user code runs for progress that was merely dropped.
   */
  abandon(reason: unknown, rejectPending = false): void {
    this.#abort.abort(reason)
    if (rejectPending) for (const id of [...this.pending.keys()]) this.settle(id, { error: reason })
    else this.pending.clear()
    this.timers.clear()
    this.#abandoned = true
    this.#wake?.()
  }

  /** Wakes the sleeps that are due at `now`; returns whether any woke. */
  fireDueTimers(now: Date): boolean {
    let fired = false
    for (const [key, timer] of this.timers) {
      if (timer.wakeAt.getTime() > now.getTime()) continue
      this.timers.delete(key)
      timer.resolve()
      fired = true
    }
    if (fired) this.#unpause()
    return fired
  }

  /** The earliest deadline among what the body waits on: a request's expiry or a sleep's end. */
  nextDeadline(): Date | null {
    let next: number | null = null
    for (const p of this.pending.values()) {
      const t = p.request.expiresAt?.getTime()
      if (t !== undefined && (next === null || t < next)) next = t
    }
    for (const timer of this.timers.values()) {
      const t = timer.wakeAt.getTime()
      if (next === null || t < next) next = t
    }
    return next === null ? null : new Date(next)
  }

  /** Asked for an answer or a sleep it has not got yet. */
  #waiting(): boolean {
    return this.pending.size > 0 || this.timers.size > 0
  }

  /**
   * Something the body waited on resolved. Still waiting on more, it is paused again only after a
   * full turn, so a body that goes on without them (`Promise.race`) can complete.
   */
  #unpause(): void {
    this.#paused = false
    if (this.#waiting()) this.#schedulePause()
  }

  #finish(result: Extract<NodeOutcome, { kind: 'completed' | 'failed' }>): void {
    if (this.#result) return
    this.#result = result
    this.#wake?.()
  }

  #failFatally(error: HoldpointError): never {
    this.#fatal ??= error
    throw error
  }

  /** Runs `fn`; a definition error it throws fails the node even if the body catches it. */
  #guard<T>(fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      if (HoldpointError.is(error, 'INVALID_DEFINITION')) this.#failFatally(error)
      throw error
    }
  }

  #requestInput(options: RequestInputOptions): Promise<unknown> {
    try {
      return Promise.resolve(this.#ask(options))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #ask(options: RequestInputOptions): unknown {
    const seq = ++this.#requestSeq
    const requestId = this.#guard(() => requestIdOf(this.nodeId, seq, options.id))
    if (this.#askedIds.has(requestId)) {
      this.#failFatally(
        new InvalidDefinitionError(
          `Node "${this.nodeId}" asked for request "${requestId}" twice in one visit; give each request its own id.`,
        ),
      )
    }
    this.#askedIds.add(requestId)
    const recorded = this.#requests.get(seq)
    if (recorded && recorded.requestId !== requestId) {
      this.#failFatally(
        new NondeterminismError(
          this.nodeId,
          `request "${recorded.requestId}" as request #${seq}`,
          `request "${requestId}"`,
        ),
      )
    }
    if (recorded && recorded.status !== 'open') {
      this.#consumeReplay(recorded)
      return answerOf(recorded, options.schema, this.#options.runId)
    }
    const request =
      recorded ??
      this.#guard(() =>
        newRequest(
          { nodeId: this.nodeId, visit: this.visit, requestId, seq },
          options,
          this.#options.now(),
          this.#options.maxStepBytes,
        ),
      )
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, {
        request,
        schema: options.schema,
        isNew: recorded === undefined,
        resolve,
        reject,
      })
      this.#schedulePause()
    })
  }

  /**
   * A node is paused once it has waited on unanswered requests (or sleeps) through a full turn of
   * the event loop with no step of its own running (a body storing a step is still at work).
   */
  #schedulePause(): void {
    if (this.#pauseScheduled) return
    this.#pauseScheduled = true
    setImmediate(() => {
      this.#pauseScheduled = false
      if (this.#waiting() && this.#stepsRunning === 0 && !this.#result) {
        this.#paused = true
        this.#wake?.()
      }
    })
  }

  /** A durable sleep: its deadline is a memoized step, so a replay waits for the same moment. */
  async #sleep(ms: number): Promise<void> {
    if (!isWaitMs(ms)) {
      this.#failFatally(
        new InvalidDefinitionError(
          `ctx.sleep needs a number of milliseconds from 0 to ${MAX_WAIT_MS} (100 years).`,
        ),
      )
    }
    const key = `${RESERVED_STEP_PREFIX}sleep#${++this.#sleepSeq}`
    const wakeAt = await this.#step(key, () => this.#options.now().getTime() + ms, true)
    if (this.#options.now().getTime() >= wakeAt) return
    await new Promise<void>((resolve) => {
      this.timers.set(key, { wakeAt: new Date(wakeAt), resolve })
      this.#schedulePause()
    })
  }

  async #step<T>(key: string, fn: () => T | Promise<T>, internal = false): Promise<T> {
    const seq = ++this.#stepSeq
    if (
      typeof key !== 'string' ||
      key.length === 0 ||
      (!internal && key.startsWith(RESERVED_STEP_PREFIX))
    ) {
      this.#failFatally(
        new InvalidDefinitionError(
          `Node "${this.nodeId}": a step key must be a non-empty string not starting with "${RESERVED_STEP_PREFIX}".`,
        ),
      )
    }
    if (this.#stepKeys.has(key)) this.#failFatally(new StepKeyReusedError(this.nodeId, key))
    this.#stepKeys.add(key)
    const recorded = this.#steps.get(seq)
    if (recorded) {
      if (recorded.key !== key) {
        this.#failFatally(
          new NondeterminismError(
            this.nodeId,
            `step "${recorded.key}" as step #${seq}`,
            `step "${key}"`,
          ),
        )
      }
      this.#replayRemaining--
      return recorded.result as T
    }
    this.#stepsRunning++
    try {
      const value = await fn()
      const result =
        value === undefined
          ? undefined
          : toJson(value, `The result of step "${key}"`, this.#options.maxStepBytes)
      const stored = await retryUnavailable(() =>
        this.#options.store.saveStep(this.#options.runId, {
          nodeId: this.nodeId,
          visit: this.visit,
          key,
          seq,
          result,
        }),
      )
      this.knownSteps.push(stored)
      return stored.result as T
    } finally {
      this.#stepsRunning--
      if (this.#waiting()) this.#schedulePause()
    }
  }

  #consumeReplay(request: StoredRequest): void {
    if (this.#requests.get(request.seq) === request) {
      this.#requests.delete(request.seq)
      this.#replayRemaining--
    }
  }
}
