import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { z } from 'zod'
const wf = defineWorkflow({ id: 'x', version: 1, start: 'ask', nodes: {
  ask: async ({ requestInput, step, isReplaying }) => {
    const sent = await step('notify', () => { console.log(`[${process.pid}] sending notification`); return Date.now() })
    console.log(`[${process.pid}] before await, isReplaying=${isReplaying}`)
    const n = await requestInput({ prompt: 'Enter a number', inputType: 'number', schema: z.coerce.number() })
    console.log(`[${process.pid}] after await: ${n}`)
    return { n, sent }
  } } })
const hp = createHoldpoint({ workflows: [wf], store: pgliteStore({ dataDir: process.env.DIR! }) })
if (process.argv[2] === 'start') {
  const e = await hp.start('x', undefined)
  const s = await e.run()
  console.log(e.runId, s.status, JSON.stringify(s.awaitingInput))
} else {
  const [inbox] = await hp.list({ status: 'waiting_for_input' })
  const e = await hp.load(inbox!.runId)
  const s = await e.run({ [inbox!.awaitingInput[0]!.requestId]: '7' })
  console.log(s.status, s.output)
}
await hp.close()
