/**
 * Number prompt: ask "Enter a number: " and finish with the response.
 *
 * Ports the first pattern of the LlamaIndex "Human in the Loop" page: a step that returns
 * `InputRequiredEvent(prefix="Enter a number: ")`, a step that consumes the
 * `HumanResponseEvent` and returns `StopEvent(result=ev.response)`, and a caller that watches
 * the event stream, calls `input()` and sends the response back. Its second half breaks out of
 * the loop, serializes the context with `ctx.to_dict()`, cancels the handler, and later restores
 * the context and sends the response into a new handler.
 *
 * What Holdpoint does better:
 * - The event pair collapses into one `await ctx.requestInput()`: the answer comes back where it
 *   was asked for, with a type.
 * - The answer is validated before it is stored: the schema trims the text and coerces it to a
 *   number, so "abc" is refused (and asked again) instead of flowing on as a string.
 * - Stopping and resuming needs no serializing, cancelling or restoring: the run is
 *   checkpointed when it pauses, so any later process answers it with
 *   `(await hp.load(runId)).run({ number: '42' })`.
 */
import { InvalidInputError, WorkflowStatus, defineWorkflow } from 'holdpoint'
import type { WorkflowEngine } from 'holdpoint'
import { z } from 'zod'
import { describeRejection, type Terminal } from './terminal.js'
import { traceNode, type Trace } from './trace.js'

/** The request ID the workflow asks under. */
export const NUMBER_REQUEST = 'number'

/**
 * A terminal delivers text; the run needs a number. Blank input is refused rather than read as
 * 0, which is what `Number('')` would make of it.
 */
export const numberAnswer = z.string().trim().min(1, 'Enter a number.').pipe(z.coerce.number())

/** Options of `createNumberPromptWorkflow`. */
export interface NumberPromptOptions {
  trace?: Trace
}

/**
 * The number-prompt workflow: one node that asks for a number and returns it.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [createNumberPromptWorkflow()] })
 * const engine = await hp.start('number-prompt', undefined)
 * await engine.run()                           // waits for "number"
 * await engine.run({ number: ' 42 ' })
 * engine.executionState.output                 // 42
 * ```
 */
export function createNumberPromptWorkflow(options: NumberPromptOptions = {}) {
  return defineWorkflow({
    id: 'number-prompt',
    version: 1,
    start: 'ask',
    nodes: {
      ask: async (ctx) => {
        traceNode(options.trace, ctx)
        return ctx.requestInput({
          id: NUMBER_REQUEST,
          prompt: 'Enter a number: ',
          inputType: 'number',
          schema: numberAnswer,
        })
      },
    },
  })
}

/** The number-prompt workflow with no trace. */
export const numberPromptWorkflow = createNumberPromptWorkflow()

/**
 * The LlamaIndex page's terminal loop: while the run waits, ask the person and run again with
 * the answer. A rejected answer is explained and asked again. Returns the number the run
 * finished with.
 *
 * @example
 * ```ts
 * const engine = await hp.start('number-prompt', undefined)
 * const terminal = consoleTerminal()
 * console.log(await promptForNumber(engine, terminal))
 * terminal.close()
 * ```
 */
export async function promptForNumber(engine: WorkflowEngine, terminal: Terminal): Promise<number> {
  let state = await engine.run()
  while (state.status === WorkflowStatus.WAITING_FOR_INPUT) {
    const request = state.awaitingInput[0]
    if (request === undefined) break
    const response = await terminal.ask(request.prompt ?? 'Enter a number: ')
    try {
      state = await engine.run({ [request.requestId]: response })
    } catch (error) {
      // Nothing was stored and the run still waits: the loop asks again.
      if (!(error instanceof InvalidInputError)) throw error
      terminal.print(describeRejection(error))
    }
  }
  if (state.status !== WorkflowStatus.COMPLETED || typeof state.output !== 'number') {
    throw new Error(`The run ended ${state.status} without a number: ${state.error?.message ?? ''}`)
  }
  return state.output
}
