import { createInterface } from 'node:readline/promises'
import type { z } from 'zod'
import type { reviewAnswer } from './approval-workflow.js'

/** The reviewer's answer. */
export type ReviewAnswer = z.output<typeof reviewAnswer>

/**
 * The scripted answer for a choice.
 *
 * @example
 * ```ts
 * scriptedAnswer('approve') // { approved: true, note: 'ok' }
 * ```
 */
export function scriptedAnswer(choice: 'approve' | 'reject'): ReviewAnswer {
  return choice === 'approve'
    ? { approved: true, note: 'ok' }
    : { approved: false, note: 'not yet' }
}

/**
 * Asks the reviewer at the terminal.
 *
 * @example
 * ```ts
 * const answer = await askAnswer() // Approve? [y/n] y   Note: looks good
 * ```
 */
export async function askAnswer(): Promise<ReviewAnswer> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    let approved: boolean | undefined
    while (approved === undefined) {
      const reply = (await rl.question('  Approve the draft? [y/n] ')).trim().toLowerCase()
      if (['y', 'yes'].includes(reply)) approved = true
      else if (['n', 'no'].includes(reply)) approved = false
    }
    const note = (await rl.question('  A note for the author: ')).trim()
    return { approved, note: note || (approved ? 'ok' : 'not yet') }
  } finally {
    rl.close()
  }
}
