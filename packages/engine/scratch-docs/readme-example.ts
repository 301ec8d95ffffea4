import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { z } from 'zod'

const approval = defineWorkflow({
  id: 'approval',
  version: 1,
  input: z.object({ topic: z.string() }),
  state: z.object({ draft: z.string().default('') }),
  start: 'draft',
  nodes: {
    draft: async ({ input, state }) => {
      state.draft = `Draft for ${input.topic}`
    },
    review: async ({ state, requestInput }) =>
      requestInput({
        id: 'approve',
        prompt: `Approve?\n${state.draft}`,
        schema: z.object({ approved: z.boolean(), note: z.string() }),
      }),
    publish: async ({ state, output }) => ({ draft: state.draft, note: output.review.note }),
  },
  edges: [
    { from: 'draft', to: 'review' },
    { from: 'review', to: 'publish', when: ({ output }) => output.review.approved },
    { from: 'review', to: 'draft' },
  ],
})

const hp = createHoldpoint({ workflows: [approval], store: pgliteStore({ dataDir: 'memory://' }) })
const engine = await hp.start('approval', { topic: 'AI safety' })
await engine.run()
console.log(engine.executionState.status, engine.executionState.awaitingInput)
const done = await engine.run({ approve: { approved: true, note: 'ok' } })
console.log(done.status, done.output)
console.log(JSON.stringify(await hp.list()))
for await (const e of engine.events()) console.log(e.seq, e.type, JSON.stringify(e.data))
await hp.close()
