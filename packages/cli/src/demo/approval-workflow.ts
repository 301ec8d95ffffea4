import { defineWorkflow } from 'holdpoint'
import { z } from 'zod'

/** The pieces of node code the demo counts, each reported when it runs. */
export const probes = [
  'draft',
  'review:before-await',
  'notify-reviewer',
  'review:after-await',
  'publish',
  'discard',
] as const

/** One piece of node code. */
export type Probe = (typeof probes)[number]

/**
 * Told about node code as it runs. `replaying` is the node context's `isReplaying`; `stored`
 * means a `ctx.step` returned its recorded result instead of running.
 */
export type DemoObserver = (probe: Probe, detail: { replaying?: boolean; stored?: boolean }) => void

/** The reviewer's answer. */
export const reviewAnswer = z.object({ approved: z.boolean(), note: z.string() })

/**
 * The demo's approval workflow: `draft` writes a draft, `review` notifies the reviewer (a side
 * effect in `ctx.step`) and waits for their answer, then `publish` or `discard` ends the run.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [approvalWorkflow(() => {})] })
 * const engine = await hp.start('approval', { topic: 'Durable workflows' })
 * await engine.run() // waits for request 'approve'
 * ```
 */
export function approvalWorkflow(observe: DemoObserver) {
  return defineWorkflow({
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
        observe('draft', {})
        state.draft = `${input.topic}: a run pauses for a person and resumes in any process.`
      },
      review: async ({ state, step, requestInput, isReplaying }) => {
        observe('review:before-await', { replaying: isReplaying })
        let sent = false
        const notice = await step('notify-reviewer', () => {
          sent = true
          observe('notify-reviewer', {})
          return { to: 'reviewer@example.com', at: new Date().toISOString() }
        })
        if (!sent) observe('notify-reviewer', { stored: true })
        const answer = await requestInput({
          id: 'approve',
          prompt: `Publish this draft? (${notice.to} was notified)\n"${state.draft}"`,
          schema: reviewAnswer,
        })
        observe('review:after-await', {})
        state.approved = answer.approved
        state.note = answer.note
        return answer
      },
      publish: async ({ state }) => {
        observe('publish', {})
        return { status: 'approved', draft: state.draft, note: state.note }
      },
      discard: async ({ state }) => {
        observe('discard', {})
        return { status: 'rejected', draft: state.draft, note: state.note }
      },
    },
    edges: [
      { from: 'draft', to: 'review' },
      { from: 'review', to: 'publish', when: ({ state }) => state.approved },
      { from: 'review', to: 'discard' },
    ],
  })
}
