import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { PGlite } from '@electric-sql/pglite'
const pg = new PGlite('memory://')
let runsOfSlow = 0
const wf = defineWorkflow({ id: 'r', version: 1, start: 'slow', nodes: {
  slow: async () => { runsOfSlow++; await new Promise((r) => setTimeout(r, 200)); return runsOfSlow },
  ask: async ({ requestInput }) => {
    const p = requestInput({ id: 'q' })
    await new Promise((r) => setTimeout(r, 100))
    console.log('body still running after pause checkpoint')
    return p
  },
}, edges: [{ from: 'slow', to: 'ask' }] })
const a = createHoldpoint({ workflows: [wf], store: pgliteStore({ pglite: pg }) })
const b = createHoldpoint({ workflows: [wf], store: pgliteStore({ pglite: pg }) })
const e = await a.start('r', undefined)
const eb = await b.load(e.runId)
const res = await Promise.allSettled([e.run(), eb.run()])
console.log('race', res.map((r: any) => r.status === 'fulfilled' ? r.value.status : r.reason.code), 'slow ran', runsOfSlow)
const fresh = await createHoldpoint({ workflows: [wf], store: pgliteStore({ pglite: pg }) }).load(e.runId)
console.log('stored', fresh.executionState.status, fresh.executionState.awaitingInput.map((q) => q.requestId))
await new Promise((r) => setTimeout(r, 300))
await pg.close()
