/**
 * Durable deadlines: a request that waits at most so long, across processes and restarts.
 *
 * Ports the "Short timeout" pitfall of the LlamaIndex lesson ("Set timeout to match expected
 * wait time"; `Workflow(timeout=86400)` for a 24-hour wait). There the timeout is an in-memory
 * timer on the whole run: too short and it kills a run whose reviewer is merely at lunch; long
 * enough and it dies with the process anyway, which is why the lesson also has to serialize
 * the context.
 *
 * What Holdpoint does better:
 * - The deadline belongs to the request, not to the run, and is stored with it
 *   (`requestInput({ timeoutMs, default })`); a run may wait for days with nothing in memory.
 * - When the deadline has passed, the next `engine.run()` in any process resumes the node:
 *   with the `default` as its answer, or, without one, with `INPUT_TIMEOUT` thrown at the
 *   `await`, where the node can catch it and, say, escalate to someone else.
 * - An answer that arrives before the deadline wins, exactly as if there were no deadline.
 *
 * In production a worker (`hp.worker()`) fires due deadlines by itself; here the caller's `run()`
 * fires them, with a test clock, which shows the same semantics without waiting.
 */
import { HoldpointError, defineWorkflow } from 'holdpoint'
import { z } from 'zod'
import { traceNode, type Trace } from './trace.js'

/** One hour in milliseconds. */
export const HOUR = 60 * 60 * 1000

const decision = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['approve', 'reject']))

/** Options of the deadline workflows. */
export interface DeadlineOptions {
  /** How long a request waits; default 24 hours. */
  timeoutMs?: number
  trace?: Trace
}

/** How a lazy-consensus change ends. */
export interface ChangeResult {
  change: string
  decision: 'approve' | 'reject'
}

/**
 * Lazy consensus: a change ships unless someone rejects it within the window. The request has
 * a `default` of 'approve', so when the deadline passes the node simply continues with it.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [createLazyConsensusWorkflow()] })
 * const engine = await hp.start('lazy-consensus', { change: 'Raise the rate limit' })
 * await engine.run()         // waits; awaitingInput[0].expiresAt is 24 h away
 * // …a day later, in any process:
 * await (await hp.load(engine.runId)).run()   // completes with decision 'approve'
 * ```
 */
export function createLazyConsensusWorkflow(options: DeadlineOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 24 * HOUR
  return defineWorkflow({
    id: 'lazy-consensus',
    version: 1,
    input: z.object({ change: z.string().trim().min(1) }),
    start: 'objections',
    nodes: {
      objections: async (ctx): Promise<ChangeResult> => {
        traceNode(options.trace, ctx)
        const answer = await ctx.requestInput({
          id: 'objection',
          prompt: `"${ctx.input.change}" ships unless someone rejects it. Decision? (approve/reject): `,
          inputType: 'select',
          options: ['approve', 'reject'],
          schema: decision,
          default: 'approve',
          timeoutMs,
        })
        return { change: ctx.input.change, decision: answer }
      },
    },
  })
}

/** How a sign-off ends. */
export interface SignOffResult {
  decision: 'approve' | 'reject'
  /** Who decided: the reviewer, or the manager after the reviewer's deadline passed. */
  by: 'reviewer' | 'manager'
}

/**
 * A sign-off with no safe default: when the reviewer's deadline passes, `INPUT_TIMEOUT` is
 * thrown at the `await`, and the node catches it and asks the manager instead (with no
 * deadline).
 *
 * @example
 * ```ts
 * const engine = await hp.start('sign-off', { document: 'Q3 budget' })
 * await engine.run()                 // waits for "sign-off" until the deadline
 * // after the deadline:
 * await engine.run()                 // now waits for "escalation"
 * await engine.run({ escalation: 'approve' })
 * engine.executionState.output       // { decision: 'approve', by: 'manager' }
 * ```
 */
export function createSignOffWorkflow(options: DeadlineOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 24 * HOUR
  return defineWorkflow({
    id: 'sign-off',
    version: 1,
    input: z.object({ document: z.string().trim().min(1) }),
    start: 'signOff',
    nodes: {
      signOff: async (ctx): Promise<SignOffResult> => {
        traceNode(options.trace, ctx)
        try {
          const answer = await ctx.requestInput({
            id: 'sign-off',
            prompt: `Sign off "${ctx.input.document}"? (approve/reject): `,
            inputType: 'select',
            options: ['approve', 'reject'],
            schema: decision,
            timeoutMs,
          })
          return { decision: answer, by: 'reviewer' }
        } catch (error) {
          if (!HoldpointError.is(error, 'INPUT_TIMEOUT')) throw error
        }
        const answer = await ctx.requestInput({
          id: 'escalation',
          prompt: `The reviewer did not answer in time. Sign off "${ctx.input.document}"? (approve/reject): `,
          inputType: 'select',
          options: ['approve', 'reject'],
          schema: decision,
        })
        return { decision: answer, by: 'manager' }
      },
    },
  })
}

/** The lazy-consensus workflow with a 24-hour window. */
export const lazyConsensusWorkflow = createLazyConsensusWorkflow()
/** The sign-off workflow with a 24-hour deadline for the reviewer. */
export const signOffWorkflow = createSignOffWorkflow()
