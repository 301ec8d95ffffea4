/**
 * Code review: generate code from a description, review it (approve / revise / reject), revise
 * at most three times, and finish with a status and the version reached.
 *
 * Ports the "Hands-on Exercise" of the LlamaIndex human-in-the-loop lesson and its solution
 * (`CodeReviewWorkflow`: generate -> request_review -> handle_feedback, with a `ReviseEvent`
 * back to generate). `reviewCodeInTerminal` reproduces the lesson's "Expected Interaction"
 * transcript line for line.
 *
 * What Holdpoint does better:
 * - Completed nodes never run again on resume, and generation runs inside `ctx.step`, whose
 *   stored result a re-run of the same visit (after a crash mid-node, say) reuses: a reviewer
 *   answering from another process does not regenerate, or pay for, the code under review.
 * - The revision count and the code live in the shared state; the loop is an edge guarded by
 *   that count.
 * - The answer is validated (non-empty text) before it is stored.
 *
 * The limit counts revisions, as the exercise states it ("Limits to 3 revision attempts"), so a
 * fourth revision request ends the run with `max_revisions` at version 4. (The lesson's solution
 * compares the version with the limit, which allows two.)
 */
import { defineWorkflow } from 'holdpoint'
import type { WorkflowEngine } from 'holdpoint'
import { z } from 'zod'
import { completedOutput, runInTerminal, type Terminal } from './terminal.js'
import { traceNode, type Trace } from './trace.js'

/** The request ID every review asks under. */
export const CODE_REVIEW_REQUEST = 'review'

/** What the code generator is asked for. */
export interface CodeRequest {
  description: string
  /** The version about to be written, from 1. */
  version: number
  /** The code under review and what the reviewer said, when this is a revision. */
  previous?: { code: string; feedback: string | null }
}

/** Writes code; a model call in real life. It must return plain text. */
export type Coder = (request: CodeRequest) => string | Promise<string>

const untypedSignature = /^def (\w+)\((\w+)\):$/m

/**
 * A deterministic stand-in for a code model, so the example runs offline and its transcript is
 * stable. First drafts greet (or process) something; the first revision adds type hints; later
 * ones note the feedback they were asked for.
 *
 * @example
 * ```ts
 * fakeCoder({ description: 'greet someone by name', version: 1 })
 * // 'def greet(name):\n    return f"Hello, {name}!"'
 * ```
 */
export function fakeCoder({ description, previous }: CodeRequest): string {
  if (previous === undefined) {
    if (/greet/i.test(description)) return 'def greet(name):\n    return f"Hello, {name}!"'
    const task = description
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
    return `def process_${task}(data):\n    """Process ${task}."""\n    result = data\n    return result`
  }
  if (untypedSignature.test(previous.code)) {
    return previous.code.replace(untypedSignature, 'def $1($2: str) -> str:')
  }
  return `# Revised based on: ${previous.feedback ?? 'review'}\n${previous.code}`
}

/** How a code review ends. */
export type CodeReviewResult =
  | { status: 'approved'; version: number; code: string }
  | { status: 'rejected'; version: number }
  | { status: 'max_revisions'; version: number; code: string; message: string }

/** Options of `createCodeReviewWorkflow`. */
export interface CodeReviewOptions {
  /** Default: `fakeCoder`. */
  coder?: Coder
  /** Revisions allowed after the first version; default 3. */
  maxRevisions?: number
  trace?: Trace
}

/**
 * The code-review workflow. Its run input is `{ description }`. A review is 'approve',
 * 'reject', 'revise', or any other text as revision feedback.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [createCodeReviewWorkflow({ coder: myModel })] })
 * const engine = await hp.start('code-review', { description: 'greet someone by name' })
 * await engine.run()
 * await engine.run({ review: 'revise' })
 * await engine.run({ review: 'approve' })
 * engine.executionState.output        // { status: 'approved', version: 2, code: … }
 * ```
 */
export function createCodeReviewWorkflow(options: CodeReviewOptions = {}) {
  const coder = options.coder ?? fakeCoder
  const maxRevisions = options.maxRevisions ?? 3
  return defineWorkflow({
    id: 'code-review',
    version: 1,
    input: z.object({ description: z.string().trim().min(1) }),
    state: z.object({
      code: z.string().default(''),
      version: z.number().int().default(0),
      decision: z.enum(['approve', 'reject', 'revise']).optional(),
      feedback: z.string().nullable().default(null),
    }),
    start: 'generate',
    nodes: {
      generate: async (ctx) => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        const request: CodeRequest = {
          description: ctx.input.description,
          version: state.version + 1,
        }
        if (state.version > 0) request.previous = { code: state.code, feedback: state.feedback }
        state.code = await ctx.step('generate-code', () => coder(request))
        state.version = request.version
        state.decision = undefined
        state.feedback = null
      },
      review: async (ctx) => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        const heading =
          state.version === 1 ? 'Generated code:' : `Revised code (v${state.version}):`
        const response = await ctx.requestInput({
          id: CODE_REVIEW_REQUEST,
          prompt: `${heading}\n${state.code}\n\nReview (approve/revise/reject): `,
          schema: z.string().trim().min(1, 'Enter approve, revise, reject, or revision feedback.'),
        })
        const word = response.toLowerCase()
        state.decision = word === 'approve' || word === 'reject' ? word : 'revise'
        state.feedback = state.decision === 'revise' && word !== 'revise' ? response : null
        return response
      },
      finish: async (ctx): Promise<CodeReviewResult> => {
        traceNode(options.trace, ctx)
        const { state } = ctx
        if (state.decision === 'approve') {
          return { status: 'approved', version: state.version, code: state.code }
        }
        if (state.decision === 'reject') return { status: 'rejected', version: state.version }
        return {
          status: 'max_revisions',
          version: state.version,
          code: state.code,
          message: `Maximum ${maxRevisions} revisions reached`,
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

/** The code-review workflow with the fake coder and three revisions. */
export const codeReviewWorkflow = createCodeReviewWorkflow()

/**
 * The exercise's console session: each version is shown with its review question, reviews are
 * separated by a blank line, and the run ends with `Result: <status>, version <n>`.
 *
 * @example
 * ```ts
 * const engine = await hp.start('code-review', { description: 'greet someone by name' })
 * const terminal = consoleTerminal()
 * await reviewCodeInTerminal(engine, terminal)
 * terminal.close()
 * ```
 */
export async function reviewCodeInTerminal(
  engine: WorkflowEngine,
  terminal: Terminal,
): Promise<CodeReviewResult> {
  const final = await runInTerminal(engine, terminal, (request, turn) =>
    turn === 1 ? (request.prompt ?? '') : `\n${request.prompt ?? ''}`,
  )
  const result = completedOutput<CodeReviewResult>(final, 'The code review')
  terminal.print(`\nResult: ${result.status}, version ${result.version}`)
  return result
}
