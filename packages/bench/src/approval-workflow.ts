import { createHoldpoint, defineWorkflow, type Store } from 'holdpoint'
import { z } from 'zod'

/** The request key the benchmark answers. */
export const APPROVE = 'approve'

/** The answer every run of the benchmark receives. */
export const ANSWER = { approved: true, note: 'ok' } as const

/**
 * The answer's schema, built once: zod compiles a fast path for each schema object on its first
 * parse, so a schema written inline in the node body would be compiled again on every execution.
 */
const answerSchema = z.object({ approved: z.boolean(), note: z.string() })

/**
 * How often node code ran in this process. The benchmark reports them to show replay: `draft`
 * should start once per run, and the code before `review`'s pause runs again whenever a process
 * that does not hold the paused run in memory resumes it.
 */
export const executions = { draft: 0, reviewPrePause: 0 }

/** The result a run must end with, for the run started with `topic-<i>`. */
export function expectedOutput(i: number): { status: string; draft: string; note: string } {
  return { status: 'approved', draft: `Draft for ${topicOf(i)}`, note: ANSWER.note }
}

/** The topic of run number `i`. */
export function topicOf(i: number): string {
  return `topic-${i}`
}

/**
 * The benchmark's workflow, "approval", defined with `define`: this checkout's `defineWorkflow`,
 * or another build's (`pnpm bench:side-by-side`). `draft` writes a draft, `review` pauses for an
 * answer keyed `approve`, `publish` builds the result from the draft and the answer.
 */
export function approvalWorkflowWith(define: typeof defineWorkflow) {
  return define({
    id: 'approval',
    version: 1,
    input: z.object({ topic: z.string() }),
    state: z.object({
      draft: z.string().default(''),
      approved: z.boolean().default(false),
      note: z.string().default(''),
    }),
    start: 'draft',
    nodes: {
      draft: async ({ input, state }) => {
        executions.draft++
        state.draft = `Draft for ${input.topic}`
      },
      review: async ({ state, requestInput }) => {
        executions.reviewPrePause++
        const answer = await requestInput({ id: APPROVE, schema: answerSchema })
        state.approved = answer.approved
        state.note = answer.note
      },
      publish: async ({ state }) => ({
        status: state.approved ? 'approved' : 'rejected',
        draft: state.draft,
        note: state.note,
      }),
    },
    edges: [
      { from: 'draft', to: 'review' },
      { from: 'review', to: 'publish' },
    ],
  })
}

/** The benchmark's workflow, defined with this checkout's engine. */
export const approvalWorkflow = approvalWorkflowWith(defineWorkflow)

/**
 * A Holdpoint with only the benchmark's workflow registered, over `store`, writing run history or
 * not as `--history` says.
 */
export function createBenchHoldpoint(store: Store, history: boolean) {
  return createHoldpoint({ workflows: [approvalWorkflow], store, history })
}

/** The Holdpoint the phases drive. */
export type BenchHoldpoint = ReturnType<typeof createBenchHoldpoint>
