import type { Terminal } from '../../src/terminal.js'

/** A terminal whose person types the given answers in order, recording the console session. */
export interface ScriptedTerminal extends Terminal {
  /** Everything shown, with each answer echoed after its prompt, as a console would. */
  readonly transcript: string
  /** The prompts asked, in order. */
  readonly prompts: readonly string[]
  /** Answers not typed yet. */
  readonly remaining: readonly string[]
}

/**
 * Scripts the human: `ask` returns the next answer and fails the test when the script runs out.
 *
 * @example
 * ```ts
 * const terminal = scriptedTerminal(['revise', 'approve'])
 * await reviewCodeInTerminal(engine, terminal)
 * expect(terminal.transcript).toBe(expected)
 * ```
 */
export function scriptedTerminal(answers: readonly string[]): ScriptedTerminal {
  const script = [...answers]
  const prompts: string[] = []
  let transcript = ''
  return {
    ask(prompt) {
      const answer = script.shift()
      if (answer === undefined) throw new Error(`The script has no answer for: ${prompt}`)
      prompts.push(prompt)
      transcript += `${prompt}${answer}\n`
      return answer
    },
    print(text) {
      transcript += `${text}\n`
    },
    get transcript() {
      return transcript
    },
    prompts,
    remaining: script,
  }
}
