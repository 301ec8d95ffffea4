import { createHoldpoint, defineWorkflow, HoldpointError } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb, until } from './common.js'

let abortedAt = 0
let reason: unknown
const wf = defineWorkflow({
  id: 'long', version: 1, start: 'work',
  nodes: {
    work: async ({ signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => { abortedAt = Date.now(); reason = signal.reason; resolve() }))
      return 'x'
    },
  },
})
const url = await freshDb('hp_ops_cancel')
const leaseMs = 3000
const a = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url }), leaseMs })
const b = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url }) })
const e = await a.start('long', undefined)
const running = e.run()
await new Promise((r) => setTimeout(r, 200))
const cancelledAt = Date.now()
await (await b.load(e.runId)).cancel('stop it')
await until(async () => abortedAt > 0)
const state = await running
console.log('abort after', abortedAt - cancelledAt, 'ms (leaseMs/3 =', leaseMs / 3, ')')
console.log('reason code in executing process:', HoldpointError.is(reason) ? reason.code : reason)
console.log('run() resolved with status', state.status)
const events = []
for await (const ev of (await b.load(e.runId)).events()) events.push(ev.type)
console.log(events)
await a.close(); await b.close()
