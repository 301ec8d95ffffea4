/**
 * Approval: generate a draft, ask a person to approve it, finish approved or rejected.
 *
 * Ports the `ApprovalWorkflow` of the LlamaIndex human-in-the-loop lesson (generate_draft ->
 * request_approval -> handle_response, driven by the "Streaming Events" loop), together with
 * Grapheteria's warning that code before `await request_input()` runs twice when a run resumes
 * in another process ("send_notification() runs twice").
 *
 * What Holdpoint does better:
 * - No "store state before pause" ritual (`ctx.store.set("draft", …)` before the
 *   `InputRequiredEvent`, `ctx.store.get("draft")` after it): the draft lives in the shared
 *   `state`, which is validated and checkpointed with every node.
 * - The side effect before the pause need not move after it: `ctx.step('notify-reviewer', …)`
 *   stores its result, and a replay in another process gets that result instead of notifying
 *   the reviewer a second time.
 * - The answer is checked ('yes' or 'no', any case) before anything is stored. In the LlamaIndex
 *   original every answer other than "yes" silently counts as a rejection.
 */
import { defineWorkflow } from 'holdpoint'
import type { WorkflowEngine } from 'holdpoint'
import { z } from 'zod'
import { completedOutput, runInTerminal, type Terminal } from './terminal.js'
import { traceNode, type Trace } from './trace.js'

/** The request ID the reviewer answers. */
export const APPROVAL_REQUEST = 'approve'

/** 'yes' or 'no', whatever the case and surrounding blanks. */
export const approvalAnswer = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['yes', 'no']))

/** How an approval run ends. */
export type ApprovalResult =
  { status: 'approved'; content: string } | { status: 'rejected'; content: null }

/** Options of `createApprovalWorkflow`. */
export interface ApprovalOptions {
  /** Tells the reviewer a draft is waiting (mail, chat…). Runs once per review, even across replays. */
  notify?: (message: string) => void | Promise<void>
  trace?: Trace
}

/**
 * The approval workflow. Its run input is `{ topic }`; its result an `ApprovalResult`.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [createApprovalWorkflow({ notify: sendMail })] })
 * const engine = await hp.start('approval', { topic: 'AI safety' })
 * await engine.run()                      // waits for "approve"
 * await engine.run({ approve: 'yes' })
 * engine.executionState.output            // { status: 'approved', content: 'Generated content for: AI safety' }
 * ```
 */
export function createApprovalWorkflow(options: ApprovalOptions = {}) {
  const notify = options.notify ?? (() => {})
  return defineWorkflow({
    id: 'approval',
    version: 1,
    input: z.object({ topic: z.string().trim().min(1) }),
    state: z.object({
      draft: z.string().default(''),
      answer: z.enum(['yes', 'no']).optional(),
    }),
    start: 'generateDraft',
    nodes: {
      generateDraft: async (ctx) => {
        traceNode(options.trace, ctx)
        ctx.state.draft = `Generated content for: ${ctx.input.topic}`
      },
      requestApproval: async (ctx) => {
        traceNode(options.trace, ctx)
        // Everything above the await runs again when another process resumes this node; the
        // step's stored result stands in for the notification on that replay.
        await ctx.step('notify-reviewer', () =>
          notify(`A draft about "${ctx.input.topic}" is waiting for your approval.`),
        )
        ctx.state.answer = await ctx.requestInput({
          id: APPROVAL_REQUEST,
          prompt: `Please review this draft:\n${ctx.state.draft}\n\nApprove? (yes/no): `,
          inputType: 'select',
          options: ['yes', 'no'],
          schema: approvalAnswer,
        })
      },
      handleResponse: async (ctx): Promise<ApprovalResult> => {
        traceNode(options.trace, ctx)
        return ctx.state.answer === 'yes'
          ? { status: 'approved', content: ctx.state.draft }
          : { status: 'rejected', content: null }
      },
    },
    edges: [
      { from: 'generateDraft', to: 'requestApproval' },
      { from: 'requestApproval', to: 'handleResponse' },
    ],
  })
}

/** The approval workflow with no notifier and no trace. */
export const approvalWorkflow = createApprovalWorkflow()

/**
 * The lesson's `run_with_streaming()`: print each prompt, read the answer, and print the result.
 *
 * @example
 * ```ts
 * const engine = await hp.start('approval', { topic: 'AI safety' })
 * const result = await approveInTerminal(engine, consoleTerminal())
 * ```
 */
export async function approveInTerminal(
  engine: WorkflowEngine,
  terminal: Terminal,
): Promise<ApprovalResult> {
  const final = await runInTerminal(engine, terminal)
  const result = completedOutput<ApprovalResult>(final, 'The approval run')
  terminal.print(`Result: ${result.status}${result.content === null ? '' : ` (${result.content})`}`)
  return result
}
