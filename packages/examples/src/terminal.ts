import { createInterface } from 'node:readline'
import { InvalidInputError, WorkflowStatus } from 'holdpoint'
import type { AwaitingInput, ExecutionState, WorkflowEngine } from 'holdpoint'

/**
 * Where the human sits. `ask` shows a prompt and returns what the person typed; `print` writes a
 * line. A real terminal echoes the answer after the prompt; scripted terminals in tests do the
 * same, so transcripts read exactly like a console session.
 */
export interface Terminal {
  ask(prompt: string): Promise<string> | string
  print(text: string): void
}

/**
 * A terminal on this process's stdin and stdout (or the streams given). Answers are read line by
 * line and buffered, so piped input works as well as a person typing.
 *
 * @example
 * ```ts
 * const terminal = consoleTerminal()
 * try {
 *   await runInTerminal(engine, terminal)
 * } finally {
 *   terminal.close()
 * }
 * ```
 */
export function consoleTerminal(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Terminal & { close(): void } {
  const readline = createInterface({ input, crlfDelay: Infinity })
  const lines = readline[Symbol.asyncIterator]()
  return {
    async ask(prompt) {
      output.write(prompt)
      const line = await lines.next()
      if (line.done === true) throw new Error('The input ended before an answer was given.')
      return line.value
    },
    print: (text) => void output.write(`${text}\n`),
    close: () => readline.close(),
  }
}

/** How a request is shown: the text passed to `ask`. `turn` counts questions from 1. */
export type RenderRequest = (request: AwaitingInput, turn: number) => string

/**
 * Runs a workflow to its end, asking the terminal for every request it waits on, and returns the
 * final execution state. An answer the request's schema rejects is explained and asked again:
 * Holdpoint validated it before storing anything, so the run is exactly as it was.
 *
 * This is the LlamaIndex `async for event in handler.stream_events()` loop. Nothing streams here:
 * `run()` returns at every halt, and `executionState.awaitingInput` says what is needed.
 *
 * @example
 * ```ts
 * const engine = await hp.start('approval', { topic: 'AI safety' })
 * const final = await runInTerminal(engine, consoleTerminal())
 * console.log(final.output)
 * ```
 */
export async function runInTerminal<TState>(
  engine: WorkflowEngine<TState>,
  terminal: Terminal,
  render: RenderRequest = (request) => request.prompt ?? `${request.requestId}: `,
): Promise<ExecutionState<TState>> {
  let state = await engine.run()
  let turn = 0
  while (state.status === WorkflowStatus.WAITING_FOR_INPUT) {
    const answers: Record<string, string> = {}
    for (const request of state.awaitingInput) {
      answers[request.requestId] = await terminal.ask(render(request, ++turn))
    }
    try {
      state = await engine.run(answers)
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      terminal.print(describeRejection(error))
    }
  }
  return state
}

/**
 * A one-line explanation of a rejected answer, for the person who typed it.
 *
 * @example
 * ```ts
 * try {
 *   await engine.run({ approve: 'maybe' })
 * } catch (error) {
 *   if (error instanceof InvalidInputError) terminal.print(describeRejection(error))
 * }
 * // Invalid answer: Invalid option: expected one of "yes"|"no"
 * ```
 */
export function describeRejection(error: InvalidInputError): string {
  const details = error.issues.map((issue) => issue.message).filter((message) => message.length > 0)
  return `Invalid answer: ${details.length > 0 ? details.join('; ') : error.message}`
}

/**
 * The output of a run that must have completed; throws, naming `label`, when it ended otherwise.
 *
 * @example
 * ```ts
 * const result = completedOutput<ApprovalResult>(await runInTerminal(engine, terminal), 'The approval run')
 * ```
 */
export function completedOutput<T>(final: ExecutionState<unknown>, label: string): T {
  if (final.status !== 'completed' || final.output === undefined) {
    throw new Error(`${label} ended ${final.status}: ${final.error?.message ?? ''}`)
  }
  return final.output as T
}
