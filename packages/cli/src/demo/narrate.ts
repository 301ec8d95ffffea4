import { print, type Stylist } from '../format.js'
import { probes, type DemoObserver, type Probe } from './approval-workflow.js'

/** How often each piece of node code ran in one process. */
export type ProbeCounts = Record<Probe, number>

/**
 * An observer that counts each piece of node code as it runs in this process and says so on
 * stdout.
 *
 * @example
 * ```ts
 * const { observe, counts } = narrator(stylist(process.stdout))
 * const workflow = approvalWorkflow(observe)
 * ```
 */
export function narrator(s: Stylist): { observe: DemoObserver; counts: ProbeCounts } {
  const counts = Object.fromEntries(probes.map((probe) => [probe, 0])) as ProbeCounts
  const say = (text: string): void => print(`  ${s('cyan', '>')} ${text}`)
  const observe: DemoObserver = (probe, { replaying = false, stored = false }) => {
    if (stored) {
      say(
        `review: ctx.step('notify-reviewer') returned its stored result; nobody is notified twice`,
      )
      return
    }
    counts[probe]++
    switch (probe) {
      case 'draft':
        say('draft: writes the draft')
        break
      case 'review:before-await':
        say(
          replaying
            ? `review: code before the await runs ${s('bold', 'again')}: a replay, the node restarts from its top`
            : 'review: code before the await runs',
        )
        break
      case 'notify-reviewer':
        say(`review: ctx.step('notify-reviewer') notifies the reviewer (a side effect)`)
        break
      case 'review:after-await':
        say('review: code after the await runs with the answer')
        break
      case 'publish':
        say('publish: publishes the approved draft')
        break
      case 'discard':
        say('discard: files the rejected draft')
        break
    }
  }
  return { observe, counts }
}
