/**
 * Iterative review: draft, ask for review, revise until approved or out of revisions.
 *
 * Ports `IterativeReviewWorkflow` ("Multiple Human Interactions" in the LlamaIndex lesson):
 * generate -> request_review -> handle_feedback, where feedback sends a `ReviewNeededEvent`
 * back to generate, and `max_revisions = 3` ends the loop.
 *
 * What Holdpoint does better:
 * - The loop is two edges (review -> generate while revisions remain, review -> finish), not an
 *   event type threaded through three steps; the machine is inspectable like any XState machine.
 * - Answers are scoped to a node visit: each pass through `review` asks for the request ID
 *   `review` again, gets a fresh request (visit 2, 3, …), and never sees an earlier answer.
 * - Draft and version live in the shared state, checkpointed after every node, instead of
 *   `ctx.store.set(...)` calls made before the pause "just in case".
 * - Free-text feedback is kept and applied; the LlamaIndex original ignores it.
 *
 * The limit counts revisions, as the lesson states it: three revisions, so at most four
 * versions. (The lesson's code compares the version number with the limit, which allows two.)
 */
import { defineWorkflow } from 'holdpoint'
import type { WorkflowEngine } from 'holdpoint'
import { z } from 'zod'
import { completedOutput, runInTerminal, type Terminal } from './terminal.js'
import { traceNode, type Trace } from './trace.js'

/** The request ID every review visit asks under. */
export const REVIEW_REQUEST = 'review'

/** How an iterative review ends. */
export interface IterativeReviewResult {
  status: 'approved' | 'max_revisions_reached'
  content: string
  version: number
}

/** Options of `createIterativeReviewWorkflow`. */
export interface IterativeReviewOptions {
  /** Revisions allowed after the first draft; default 3. */
  maxRevisions?: number
  trace?: Trace
}

/**
 * The iterative-review workflow. Its run input is `{ topic }`. Each review accepts 'approve',
 * 'revise', or any other text as feedback for the next revision.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [createIterativeReviewWorkflow()] })
 * const engine = await hp.start('iterative-review', { topic: 'solar power' })
 * await engine.run()
 * await engine.run({ review: 'mention storage' })   // visit 2 of review asks again
 * await engine.run({ review: 'approve' })
 * engine.executionState.output                       // { status: 'approved', version: 2, … }
 * ```
 */
export function createIterativeReviewWorkflow(options: IterativeReviewOptions = {}) {
  const maxRevisions = options.maxRevisions ?? 3
  return defineWorkflow({
    id: 'iterative-review',
    version: 1,
    input: z.object({ topic: z.string().trim().min(1) }),
    state: z.object({
      content: z.string().default(''),
      version: z.number().int().default(0),
      decision: z.enum(['approve', 'revise']).optional(),
      feedback: z.array(z.string()).default([]),
    }),
    start: 'generate',
    nodes: {
      generate: async (ctx) => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        if (state.version === 0) {
          state.content = `Initial draft about ${ctx.input.topic}`
        } else {
          const note = state.decision === 'revise' ? state.feedback.at(-1) : undefined
          state.content = `Revised (v${state.version + 1}${note ? `, "${note}"` : ''}): ${state.content}`
        }
        state.version++
        state.decision = undefined
      },
      review: async (ctx) => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        const response = await ctx.requestInput({
          id: REVIEW_REQUEST,
          prompt: `Version ${state.version}:\n${state.content}\n\nEnter 'approve', 'revise', or feedback: `,
          schema: z.string().trim().min(1, "Enter 'approve', 'revise', or feedback."),
        })
        const word = response.toLowerCase()
        state.decision = word === 'approve' ? 'approve' : 'revise'
        if (word !== 'approve' && word !== 'revise') state.feedback.push(response)
        return response
      },
      finish: async (ctx): Promise<IterativeReviewResult> => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        return {
          status: state.decision === 'approve' ? 'approved' : 'max_revisions_reached',
          content: state.content,
          version: state.version,
        }
      },
    },
    edges: [
      { from: 'generate', to: 'review' },
      {
        from: 'review',
        to: 'generate',
        when: ({ state }) => state.decision === 'revise' && state.version - 1 < maxRevisions,
      },
      { from: 'review', to: 'finish' },
    ],
  })
}

/** The iterative-review workflow with the lesson's limit of three revisions. */
export const iterativeReviewWorkflow = createIterativeReviewWorkflow()

/**
 * Reviews in a terminal until the run ends, and prints the result.
 *
 * @example
 * ```ts
 * const engine = await hp.start('iterative-review', { topic: 'solar power' })
 * const result = await reviewInTerminal(engine, consoleTerminal())
 * ```
 */
export async function reviewInTerminal(
  engine: WorkflowEngine,
  terminal: Terminal,
): Promise<IterativeReviewResult> {
  const final = await runInTerminal(engine, terminal)
  const result = completedOutput<IterativeReviewResult>(final, 'The review run')
  terminal.print(`Result: ${result.status}, version ${result.version}`)
  return result
}
