import pg from 'pg'
import { sql } from 'kysely'
import { postgresStore } from 'holdpoint/postgres'
import { admin, freshDb } from './common.js'

const url = await freshDb('hp_ops_pgcrash')
const store = postgresStore({ connectionString: url })
await store.ready()
const running = sql`SELECT pg_sleep(5)`.execute(store.db).then(() => 'finished', (e: Error) => `rejected: ${e.constructor.name} ${(e as { code?: string }).code} ${e.message}`)
await new Promise((r) => setTimeout(r, 500))
const killer = new pg.Client({ connectionString: admin })
await killer.connect()
await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'hp_ops_pgcrash' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`)
await killer.end()
console.log('query:', await running)
await new Promise((r) => setTimeout(r, 500))
console.log('process still alive')
await store.close()
