import { createInterface } from 'node:readline/promises'
import { createHoldpoint, defineWorkflow, HoldpointError } from 'holdpoint'
import { z } from 'zod'

const numberPrompt = defineWorkflow({
  id: 'number-prompt',
  version: 1,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) =>
      requestInput({
        id: 'number',
        prompt: 'Enter a number: ',
        inputType: 'number',
        schema: z.string().trim().min(1).pipe(z.coerce.number()),
      }),
  },
})

const hp = createHoldpoint({ workflows: [numberPrompt] })
const engine = await hp.start('number-prompt', undefined)
const terminal = createInterface({ input: process.stdin, output: process.stdout })

let state = await engine.run() // returns at the first halt: waiting_for_input
while (state.status === 'waiting_for_input') {
  const answers: Record<string, string> = {}
  for (const request of state.awaitingInput) {
    answers[request.requestId] = await terminal.question(request.prompt ?? `${request.requestId}: `)
  }
  try {
    state = await engine.run(answers)
  } catch (error) {
    // "abc" is refused before anything is stored; the run still waits, so ask again.
    if (!HoldpointError.is(error, 'INVALID_INPUT')) throw error
    console.log(error.message)
  }
}
console.log(state.output) // 42
terminal.close()
await hp.close()
