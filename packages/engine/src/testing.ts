import type { AwaitingInput } from './definition/request-input.js'
import type { AnyWorkflow } from './definition/workflow.js'
import { createHoldpoint, type Holdpoint } from './holdpoint.js'
import type { JsonObject } from './json.js'
import { pgliteStore } from './pglite.js'
import type { ExecutionState, WorkflowEngine } from './runtime/workflow-engine.js'

/** A clock that only moves when told to. */
export interface TestClock {
  now(): Date
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void
}

/** A clock starting at `start` (default 2026-01-01T00:00:00Z). */
export function createTestClock(start: Date | number = Date.UTC(2026, 0, 1)): TestClock {
  let now = typeof start === 'number' ? start : start.getTime()
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms
    },
  }
}

/**
 * A Holdpoint over an in-memory embedded database and a test clock, for testing workflows.
 *
 * @example
 * ```ts
 * const { hp, clock } = createTestHoldpoint({ workflows: [approval] })
 * const engine = await hp.start('approval', { topic: 'x' })
 * await engine.run()
 * clock.advance(60_000) // past a request's timeoutMs
 * await engine.run()    // resumes with the request's default
 * await hp.close()
 * ```
 */
export function createTestHoldpoint<const TWorkflows extends readonly AnyWorkflow[]>(options: {
  workflows: TWorkflows
  clock?: TestClock
}): { hp: Holdpoint<TWorkflows>; clock: TestClock } {
  const clock = options.clock ?? createTestClock()
  const hp = createHoldpoint({
    workflows: options.workflows,
    store: pgliteStore({ dataDir: 'memory://' }),
    now: clock.now,
  })
  return { hp, clock }
}

/** Answers for `drive`: by request id (a value, or a list used one visit after another), or a function. */
export type Answers =
  Readonly<Record<string, unknown>> | ((request: AwaitingInput) => unknown | Promise<unknown>)

/**
 * Runs `engine` to completion, answering every request it waits on from `answers`, the way a
 * person would. Stops when the run completes, fails or is cancelled; throws when a request has no
 * answer (or its list has run out), or when the run still waits after `maxAnswers` rounds of
 * answers (default 100).
 *
 * @example
 * ```ts
 * const state = await drive(engine, { approve: [{ approved: false, note: 'redo' }, { approved: true, note: 'ok' }] })
 * expect(state.status).toBe('completed')
 * ```
 */
export async function drive<TState = JsonObject>(
  engine: WorkflowEngine<TState>,
  answers: Answers,
  options: { maxAnswers?: number } = {},
): Promise<ExecutionState<TState>> {
  const used = new Map<string, number>()
  const maxAnswers = options.maxAnswers ?? 100
  let state = await engine.run()
  for (let given = 0; state.status === 'waiting_for_input'; given++) {
    if (given >= maxAnswers) throw new Error(`drive: still waiting after ${maxAnswers} answers.`)
    const input: Record<string, unknown> = {}
    for (const request of state.awaitingInput) {
      input[request.requestId] = await answerFor(request, answers, used)
    }
    state = await engine.run(input)
  }
  return state
}

async function answerFor(
  request: AwaitingInput,
  answers: Answers,
  used: Map<string, number>,
): Promise<unknown> {
  if (typeof answers === 'function') return answers(request)
  if (!Object.hasOwn(answers, request.requestId)) {
    throw new Error(
      `drive: no answer for request "${request.requestId}" (prompt: ${request.prompt ?? 'none'}).`,
    )
  }
  const value = answers[request.requestId]
  if (!Array.isArray(value)) return value
  const index = used.get(request.requestId) ?? 0
  used.set(request.requestId, index + 1)
  if (index >= value.length) {
    throw new Error(
      `drive: request "${request.requestId}" was asked ${index + 1} times; only ${value.length} answers given.`,
    )
  }
  return value[index]
}
