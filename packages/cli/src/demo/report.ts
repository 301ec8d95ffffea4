import { table, type Stylist } from '../format.js'
import { probes, type Probe } from './approval-workflow.js'
import type { ProbeCounts } from './narrate.js'

const labels: Record<Probe, string> = {
  draft: 'draft',
  'review:before-await': 'review, before the await',
  'notify-reviewer': 'notify reviewer (ctx.step)',
  'review:after-await': 'review, after the await',
  publish: 'publish',
  discard: 'discard',
}

/**
 * The table of how often each piece of node code ran in each process, with a remark where the
 * numbers show replay or memoization.
 *
 * @example
 * ```ts
 * print(countsTable(first, second, stylist(process.stdout)))
 * ```
 */
export function countsTable(first: ProbeCounts, second: ProbeCounts, s: Stylist): string {
  const rows = probes
    .filter((probe) => first[probe] + second[probe] > 0)
    .map((probe) => {
      const total = first[probe] + second[probe]
      let remark = ''
      if (first[probe] > 0 && second[probe] > 0) remark = 'replayed in process 2'
      if (probe === 'notify-reviewer') remark = total === 1 ? 'memoized: once in total' : ''
      return [
        labels[probe],
        String(first[probe]),
        String(second[probe]),
        String(total),
        s('dim', remark),
      ]
    })
  const header = ['node code', 'process 1', 'process 2', 'total', ''].map((h) => s('dim', h))
  return table([header, ...rows], { align: ['left', 'right', 'right', 'right', 'left'] })
}
