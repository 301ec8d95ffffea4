import { execFileSync } from 'node:child_process'
import { createHoldpoint, defineWorkflow, LATEST_SCHEMA_VERSION } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb } from './common.js'
import { wfs } from './upgrade-wfs.js'
const url = await freshDb('hp_ops_upgrade')
const out = execFileSync(process.execPath, [...process.execArgv, new URL('./upgrade-old.ts', import.meta.url).pathname, url], { encoding: 'utf8' })
const old = JSON.parse(out.trim().split('\n').pop()!) as { schema: number; waiting: string; stranded: string }
console.log('old code, schema', old.schema, old)
await new Promise((r) => setTimeout(r, 1000)) // the deadline passes
const hp = createHoldpoint({ workflows: wfs(defineWorkflow), store: postgresStore({ connectionString: url }) })
const w = hp.worker({ pollMs: 100 })
await new Promise((r) => setTimeout(r, 3000))
const store = await hp.store()
for (const id of [old.waiting, old.stranded]) {
  const r = await store.loadRun(id)
  console.log('new code, schema', LATEST_SCHEMA_VERSION, 'after 3 s of a worker:', id === old.waiting ? 'deadline run' : 'stranded run', r?.status, 'wakeAt', r?.wakeAt)
}
console.log('worker claimed', w.stats.claimed)
const e = await hp.load(old.waiting); await e.run(); console.log('explicit run() on deadline run ->', e.executionState.status, e.executionState.output)
await w.stop(); await hp.close()
