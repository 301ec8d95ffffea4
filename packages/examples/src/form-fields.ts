/**
 * Form fields: several requests in one node, each under its own request ID, and a `select`.
 *
 * Ports Grapheteria's "Halting and Resuming Workflows" page: `request_input(prompt="Name?",
 * request_id="name_field")` followed by `request_id="age_field"` in one node; `options` and
 * `input_type="select"`; input data keyed by request ID (`{"name_field": "Alice",
 * "age_field": 30}`, or a complex value such as a list of preferences); and "Method 1", the
 * terminal loop that checks `execution_state.awaiting_input`, prints the options of a `select`,
 * and feeds the answer to `step()`.
 *
 * What Holdpoint does better:
 * - Every request carries a zod schema: the age is coerced from text to an integer, the
 *   preference must be one of the options, and a bad answer is refused before it is stored.
 * - `awaitingInput` is a list: asked with `Promise.all`, both fields wait at once and one
 *   `run({ name_field, age_field })` answers both. Asked one after the other, only the first is
 *   open, and answering a field that has not been asked yet is a typed `UNKNOWN_REQUEST` error.
 * - The second question survives a restart: a process that resumes the node replays the first
 *   `await` from the stored answer and stops at the second.
 */
import { InvalidInputError, WorkflowStatus, defineWorkflow } from 'holdpoint'
import type { ExecutionState, WorkflowEngine } from 'holdpoint'
import { z } from 'zod'
import { describeRejection, type Terminal } from './terminal.js'
import { traceNode, type Trace } from './trace.js'

/** The choices of the `preference` select. */
export const PREFERENCES = ['pizza', 'hiking', 'chess', 'jazz'] as const

const nameAnswer = z.string().trim().min(1, 'Enter a name.')
const ageError = 'Enter a whole number from 0 to 150.'
/**
 * Terminals send text and JSON clients send numbers; both become an integer age. Only numbers and
 * non-blank text reach the coercion, since `Number('')`, `Number(null)` and `Number(true)` would
 * turn a missing answer into an age.
 */
const ageAnswer = z
  .union([z.number(), z.string().trim().min(1, ageError)], ageError)
  .pipe(z.coerce.number<string | number>(ageError).int().min(0).max(150))
const preferenceAnswer = z.enum(PREFERENCES)

/** What the forms collect. */
export interface Profile {
  name: string
  age: number
  preference: (typeof PREFERENCES)[number]
}

/** Options of the form-field workflows. */
export interface FormFieldsOptions {
  trace?: Trace
}

/**
 * One node asking for the name, then the age, then a preference: three pauses, one at a time.
 *
 * @example
 * ```ts
 * const hp = createHoldpoint({ workflows: [createSequentialFormWorkflow()] })
 * const engine = await hp.start('sequential-form', undefined)
 * await engine.run()                          // waits for name_field
 * await engine.run({ name_field: 'Alice' })   // waits for age_field
 * await engine.run({ age_field: 30 })         // waits for preference
 * await engine.run({ preference: 'hiking' })
 * ```
 */
export function createSequentialFormWorkflow(options: FormFieldsOptions = {}) {
  return defineWorkflow({
    id: 'sequential-form',
    version: 1,
    start: 'profile',
    nodes: {
      profile: async (ctx): Promise<Profile> => {
        traceNode(options.trace, ctx)
        const name = await ctx.requestInput({
          id: 'name_field',
          prompt: 'Name?',
          schema: nameAnswer,
        })
        const age = await ctx.requestInput({
          id: 'age_field',
          prompt: 'Age?',
          inputType: 'number',
          schema: ageAnswer,
        })
        const preference = await ctx.requestInput({
          id: 'preference',
          prompt: `What does ${name} enjoy most?`,
          inputType: 'select',
          options: [...PREFERENCES],
          schema: preferenceAnswer,
        })
        return { name, age, preference }
      },
    },
  })
}

/**
 * One node asking for the name and the age at once (`Promise.all`): both wait together, and one
 * `run({ name_field, age_field })` answers both.
 *
 * @example
 * ```ts
 * const engine = await hp.start('parallel-form', undefined)
 * await engine.run()            // awaitingInput: name_field and age_field
 * await engine.run({ name_field: 'Bob', age_field: 41 })
 * engine.executionState.output  // { name: 'Bob', age: 41 }
 * ```
 */
export function createParallelFormWorkflow(options: FormFieldsOptions = {}) {
  return defineWorkflow({
    id: 'parallel-form',
    version: 1,
    start: 'profile',
    nodes: {
      profile: async (ctx): Promise<Pick<Profile, 'name' | 'age'>> => {
        traceNode(options.trace, ctx)
        const [name, age] = await Promise.all([
          ctx.requestInput({ id: 'name_field', prompt: 'Name?', schema: nameAnswer }),
          ctx.requestInput({
            id: 'age_field',
            prompt: 'Age?',
            inputType: 'number',
            schema: ageAnswer,
          }),
        ])
        return { name, age }
      },
    },
  })
}

/** The sequential form with no trace. */
export const sequentialFormWorkflow = createSequentialFormWorkflow()
/** The parallel form with no trace. */
export const parallelFormWorkflow = createParallelFormWorkflow()

/**
 * Grapheteria's "Method 1": run until the workflow halts; while it awaits input, show the
 * request (and the options of a `select`), read an answer, and feed it to `step()`. A rejected
 * answer is explained and asked again. Returns the final execution state.
 *
 * @example
 * ```ts
 * const engine = await hp.start('sequential-form', undefined)
 * const terminal = consoleTerminal()
 * const final = await fillFormInTerminal(engine, terminal)
 * terminal.close()
 * ```
 */
export async function fillFormInTerminal<TState>(
  engine: WorkflowEngine<TState>,
  terminal: Terminal,
): Promise<ExecutionState<TState>> {
  for (;;) {
    const state = await engine.run()
    const request = state.awaitingInput[0]
    if (state.status !== WorkflowStatus.WAITING_FOR_INPUT || request === undefined) return state

    terminal.print(`Input needed: ${request.prompt ?? request.requestId}`)
    if (request.inputType === 'select')
      terminal.print(`Options: ${(request.options ?? []).join(', ')}`)
    const answer = await terminal.ask('Your response: ')
    try {
      await engine.step({ [request.requestId]: answer })
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      terminal.print(describeRejection(error))
    }
  }
}
