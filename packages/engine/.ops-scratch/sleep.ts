import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb, until } from './common.js'

let before = 0
let stepCalls = 0
const wf = defineWorkflow({
  id: 'napper', version: 1, start: 'nap',
  nodes: {
    nap: async ({ sleep, step }) => {
      before++
      const t0 = await step('t0', () => { stepCalls++; return Date.now() })
      await sleep(1500)
      return { late: Date.now() - (t0 + 1500) }
    },
  },
})
const url = await freshDb('hp_ops_sleep')
for (const pollMs of [100, 1000]) {
  before = 0; stepCalls = 0
  const hp = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url }) })
  const w = hp.worker({ pollMs })
  const e = await hp.start('napper', undefined, { background: true })
  await until(async () => (await hp.load(e.runId)).executionState.status === 'completed')
  const s = (await hp.load(e.runId)).executionState
  const store = await hp.store()
  console.log({ pollMs, bodyStarts: before, stepCalls, output: s.output, claimed: w.stats.claimed })
  await w.stop(); await hp.close()
}
// Without a worker: run() before the deadline does nothing, after it continues.
{
  before = 0
  const hp = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url }) })
  const e = await hp.start('napper', undefined)
  await e.run()
  const row1 = await (await hp.store()).loadRun(e.runId)
  console.log('no worker, after first run():', e.executionState.status, 'lease', row1?.lease, 'wakeAt set', row1?.wakeAt !== null)
  await e.run()
  console.log('run() before deadline:', e.executionState.status)
  await new Promise((r) => setTimeout(r, 1600))
  await e.run()
  console.log('run() after deadline:', e.executionState.status, 'bodyStarts', before)
  await hp.close()
}
