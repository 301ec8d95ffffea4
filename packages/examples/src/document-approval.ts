/**
 * Document approval in two stages: a content review (approve / revise / reject), then a final
 * review (approve / reject). Revising rewrites the document and goes back to content review;
 * rejecting ends the run with the stage it happened at.
 *
 * Ports `DocumentApprovalWorkflow`, the "Complete Example" of the LlamaIndex human-in-the-loop
 * lesson, whose single `handle_review` step juggles a `review_stage` key in `ctx.store` to know
 * which question an answer belongs to. The original calls OpenAI; here the model is an `llm`
 * parameter whose default is a deterministic fake, called inside `ctx.step`.
 *
 * What Holdpoint does better:
 * - Each stage is its own node with its own request ID (`content`, `final`) and its own answer
 *   schema, so an answer cannot land on the wrong question and "revise" is refused at the
 *   final stage instead of being read as a rejection.
 * - The model call is a memoized step in a node that completes before anyone is asked: a
 *   reviewer answering hours later, from another process, never triggers a second (paid,
 *   possibly different) generation.
 * - The stage is a machine state, not a string in a key-value store.
 */
import { defineWorkflow } from 'holdpoint'
import type { WorkflowEngine } from 'holdpoint'
import { z } from 'zod'
import { completedOutput, runInTerminal, type Terminal } from './terminal.js'
import { traceNode, type Trace } from './trace.js'

/** A text-completion model: prompt in, text out. */
export type Llm = (prompt: string) => string | Promise<string>

/**
 * A deterministic stand-in for the lesson's `OpenAI(model="gpt-4o-mini")`, so the example never
 * touches the network. It writes a short document for "Write a short document about: …" and
 * marks a document as revised for "Revise this document: …".
 *
 * @example
 * ```ts
 * await fakeLlm('Write a short document about: AI ethics principles')
 * // 'AI ethics principles: a short document.'
 * ```
 */
export function fakeLlm(prompt: string): string {
  const write = /^Write a short document about: (.+)$/s.exec(prompt)
  if (write) return `${write[1]}: a short document.`
  const revise = /^Revise this document:\n(.+)$/s.exec(prompt)
  if (revise) return `[REVISED] ${revise[1]}`
  return `Response to: ${prompt}`
}

/** How a document approval ends. */
export type DocumentApprovalResult =
  { status: 'approved'; document: string } | { status: 'rejected'; stage: 'content' | 'final' }

/** Options of `createDocumentApprovalWorkflow`. */
export interface DocumentApprovalOptions {
  /** Default: `fakeLlm`. */
  llm?: Llm
  trace?: Trace
}

const contentAnswer = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['approve', 'revise', 'reject']))
const finalAnswer = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['approve', 'reject']))

/**
 * The document-approval workflow. Its run input is `{ topic }`; it asks `content` (approve,
 * revise or reject) and then `final` (approve or reject).
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [createDocumentApprovalWorkflow({ llm: myModel })] })
 * const engine = await hp.start('document-approval', { topic: 'AI ethics principles' })
 * await engine.run()
 * await engine.run({ content: 'approve' })
 * await engine.run({ final: 'approve' })
 * engine.executionState.output       // { status: 'approved', document: … }
 * ```
 */
export function createDocumentApprovalWorkflow(options: DocumentApprovalOptions = {}) {
  const llm = options.llm ?? fakeLlm
  return defineWorkflow({
    id: 'document-approval',
    version: 1,
    input: z.object({ topic: z.string().trim().min(1) }),
    state: z.object({
      document: z.string().default(''),
      stage: z.enum(['content', 'final']).default('content'),
      decision: z.enum(['approve', 'revise', 'reject']).optional(),
    }),
    start: 'write',
    nodes: {
      write: async (ctx) => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        const prompt =
          state.document === ''
            ? `Write a short document about: ${ctx.input.topic}`
            : `Revise this document:\n${state.document}`
        state.document = await ctx.step('llm', () => llm(prompt))
      },
      contentReview: async (ctx) => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        state.stage = 'content'
        state.decision = await ctx.requestInput({
          id: 'content',
          prompt: `=== CONTENT REVIEW ===\n\n${state.document}\n\nIs the content accurate? (approve/revise/reject): `,
          inputType: 'select',
          options: ['approve', 'revise', 'reject'],
          schema: contentAnswer,
        })
      },
      finalReview: async (ctx) => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        state.stage = 'final'
        state.decision = await ctx.requestInput({
          id: 'final',
          prompt: `=== FINAL REVIEW ===\n\n${state.document}\n\nFinal approval? (approve/reject): `,
          inputType: 'select',
          options: ['approve', 'reject'],
          schema: finalAnswer,
        })
      },
      conclude: async (ctx): Promise<DocumentApprovalResult> => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        return state.decision === 'approve'
          ? { status: 'approved', document: state.document }
          : { status: 'rejected', stage: state.stage }
      },
    },
    edges: [
      { from: 'write', to: 'contentReview' },
      { from: 'contentReview', to: 'write', when: ({ state }) => state.decision === 'revise' },
      {
        from: 'contentReview',
        to: 'finalReview',
        when: ({ state }) => state.decision === 'approve',
      },
      { from: 'contentReview', to: 'conclude' },
      { from: 'finalReview', to: 'conclude' },
    ],
  })
}

/** The document-approval workflow with the fake model. */
export const documentApprovalWorkflow = createDocumentApprovalWorkflow()

/**
 * The lesson's `main()`: print each review, read the answer after a `> ` prompt, then print the
 * result block.
 *
 * @example
 * ```ts
 * const engine = await hp.start('document-approval', { topic: 'AI ethics principles' })
 * await approveDocumentInTerminal(engine, consoleTerminal())
 * ```
 */
export async function approveDocumentInTerminal(
  engine: WorkflowEngine,
  terminal: Terminal,
): Promise<DocumentApprovalResult> {
  const final = await runInTerminal(engine, terminal, (request) => {
    terminal.print(request.prompt ?? request.requestId)
    return '> '
  })
  const result = completedOutput<DocumentApprovalResult>(final, 'The document approval')
  terminal.print('\n=== RESULT ===')
  terminal.print(`Status: ${result.status}`)
  if (result.status === 'approved') terminal.print(`Document: ${result.document}`)
  return result
}
