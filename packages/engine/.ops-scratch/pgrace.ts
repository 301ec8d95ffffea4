// Many short queries on a postgresStore({ connectionString }) while every backend of the database is killed repeatedly.
import pg from 'pg'
import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { admin, freshDb } from './common.js'

const name = 'hp_ops_pgrace'
const url = await freshDb(name)
const wf = defineWorkflow({ id: 'w', version: 1, start: 'a', nodes: { a: () => 1 } })
const hp = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url, maxConnections: 10 }) })
await hp.store()
const killer = new pg.Client({ connectionString: admin }); await killer.connect()
let stop = false, queries = 0, unavailable = 0
const loops = Array.from({ length: 20 }, async () => { while (!stop) { try { await hp.list({ limit: 1 }); queries++ } catch { unavailable++ } } })
const end = Date.now() + 20_000
while (Date.now() < end) {
  await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name])
  await new Promise((r) => setTimeout(r, 30))
}
stop = true; await Promise.all(loops); await killer.end()
console.log('survived', { queries, unavailable })
await hp.close()
