import { createHoldpoint, defineWorkflow, HoldpointError } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb, until } from './common.js'

const v1 = defineWorkflow({ id: 'w', version: 1, start: 'a', nodes: { a: () => 'v1' } })
const v2 = defineWorkflow({ id: 'w', version: 2, start: 'a', nodes: { a: () => 'v2' } })
const url = await freshDb('hp_ops_mismatch')
const newHp = createHoldpoint({ workflows: [v1, v2], store: postgresStore({ connectionString: url }), leaseMs: 1000 })
const oldHp = createHoldpoint({ workflows: [v1], store: postgresStore({ connectionString: url }), leaseMs: 1000 })
const errors: string[] = []
const old = oldHp.worker({ pollMs: 50, onError: (e) => errors.push(HoldpointError.is(e) ? e.code : String(e)) })
const e = await newHp.start('w', undefined, { background: true })
await new Promise((r) => setTimeout(r, 3500))
const row = await (await newHp.store()).loadRun(e.runId)
console.log('old worker alone for 3.5 s: errors', errors, 'status', row?.status, 'leased by old', row?.lease?.owner === oldHp.owner)
const t = Date.now()
const good = newHp.worker({ pollMs: 50 })
await until(async () => (await newHp.load(e.runId)).executionState.status === 'completed')
console.log('new worker completed it after', Date.now() - t, 'ms; old worker errors now', errors.length)
await old.stop(); await good.stop(); await oldHp.close(); await newHp.close()
