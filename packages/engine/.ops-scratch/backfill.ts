import { execFileSync } from 'node:child_process'
import pg from 'pg'
import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb, until } from './common.js'
import { wfs } from './upgrade-wfs.js'
const url = await freshDb('hp_ops_backfill')
const out = execFileSync(process.execPath, [...process.execArgv, new URL('./upgrade-old.ts', import.meta.url).pathname, url], { encoding: 'utf8' })
const old = JSON.parse(out.trim().split('\n').pop()!) as { waiting: string; stranded: string }
const hp = createHoldpoint({ workflows: wfs(defineWorkflow), store: postgresStore({ connectionString: url }) })
await hp.store() // applies migration 2
const c = new pg.Client({ connectionString: url }); await c.connect()
const sqlText = `UPDATE holdpoint.runs AS r
   SET wake_at = CASE WHEN r.status = 'running' THEN now()
                      ELSE (SELECT min(q.expires_at) FROM holdpoint.requests AS q
                             WHERE q.run_id = r.id AND q.status = 'open') END
 WHERE r.wake_at IS NULL AND r.status IN ('running', 'waiting_for_input')`
const res = await c.query(sqlText); await c.end()
console.log('backfilled rows', res.rowCount)
const w = hp.worker({ pollMs: 100 })
await until(async () => (await hp.load(old.waiting)).executionState.status === 'completed' && (await hp.load(old.stranded)).executionState.status === 'completed', 10_000)
console.log('both completed by the worker; claimed', w.stats.claimed, (await hp.load(old.waiting)).executionState.output)
await w.stop(); await hp.close()
