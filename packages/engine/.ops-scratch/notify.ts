import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { pgliteStore } from 'holdpoint/pglite'
import { freshDb, until } from './common.js'

const wf = defineWorkflow({
  id: 'ask', version: 1, start: 'ask',
  nodes: { ask: async ({ requestInput }) => requestInput({ id: 'ok' }) },
})
const url = await freshDb('hp_ops_notify')
for (const kind of ['postgres', 'pglite'] as const) {
  const store = kind === 'postgres' ? postgresStore({ connectionString: url }) : pgliteStore({ dataDir: 'memory://' })
  const client = createHoldpoint({ workflows: [wf], store })
  const workerHp = kind === 'postgres' ? createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url }) }) : client
  await client.store(); await workerHp.store()
  const w = workerHp.worker({ pollMs: 60_000 })
  await new Promise((r) => setTimeout(r, 500)) // let the first claim round and LISTEN settle
  let t = Date.now()
  const e = await client.start('ask', undefined, { background: true })
  await until(async () => (await client.load(e.runId)).executionState.status === 'waiting_for_input', 10_000)
  const startLatency = Date.now() - t
  t = Date.now()
  await (await client.load(e.runId)).run({ ok: 'yes' }, { background: true })
  await until(async () => (await client.load(e.runId)).executionState.status === 'completed', 10_000)
  console.log(kind, { startPickup: startLatency, answerPickup: Date.now() - t, pollMs: 60_000 })
  await w.stop(); await client.close(); if (workerHp !== client) await workerHp.close()
}
