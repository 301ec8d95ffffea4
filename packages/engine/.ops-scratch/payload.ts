import { createHoldpoint, defineWorkflow, HoldpointError } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'

let attempts = 0
const wf = defineWorkflow({
  id: 'big', version: 1, start: 'a',
  nodes: {
    a: {
      retry: { maxAttempts: 3, backoff: { initialMs: 1 } },
      run: async ({ state, step }) => {
        attempts++
        let caught = 'none'
        try { await step('big', () => 'x'.repeat(200)) } catch (e) { caught = HoldpointError.is(e) ? e.code : String(e) }
        ;(state as Record<string, unknown>).caught = caught
        ;(state as Record<string, unknown>).blob = 'y'.repeat(500)
      },
    },
  },
})
const hp = createHoldpoint({ workflows: [wf], store: pgliteStore({ dataDir: 'memory://' }), limits: { outputBytes: 100, stateBytes: 300 } })
const e = await hp.start('big', undefined)
await e.run()
console.log({ status: e.executionState.status, code: e.executionState.error?.code, attempts })
const tooBig = await hp.start('big', undefined, { state: { blob: 'z'.repeat(400) } }).catch((x: unknown) => (HoldpointError.is(x) ? x.code : x))
console.log('start with oversized state:', tooBig)
await hp.close()
