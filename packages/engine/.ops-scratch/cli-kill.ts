import { spawn } from 'node:child_process'
import pg from 'pg'
import { createHoldpoint, HoldpointError } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { review } from '../../cli/test/fixtures/review-workflow.js'
import { admin, freshDb, until } from './common.js'

const name = 'hp_ops_clikill'
const url = await freshDb(name)
const fixtures = new URL('../../cli/test/fixtures/', import.meta.url).pathname
const pool = new pg.Pool({ connectionString: url, max: 3 }); pool.on('error', () => {}); pool.on('connect', (c) => c.on('error', () => {}))
const hp = createHoldpoint({ workflows: [review], store: postgresStore({ pool }) })
await hp.store()
const child = spawn(process.execPath, ['--conditions=@holdpoint/source', '--import', 'tsx', new URL('../../cli/src/main.ts', import.meta.url).pathname, 'worker', '--poll-ms', '100', '--lease-ms', '2000'], { cwd: fixtures, env: { ...process.env, HOLDPOINT_CLI_TEST_DATABASE_URL: url }, stdio: ['ignore', 'inherit', 'pipe'] })
let stderr = ''; child.stderr.on('data', (d) => (stderr += d))
let exited: number | null | undefined
child.on('exit', (c) => (exited = c))
await until(async () => stderr.includes('started'))
const killer = new pg.Client({ connectionString: admin }); await killer.connect()
let stop = false, kills = 0
const chaos = (async () => { while (!stop) { kills += (await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = '' AND pid <> pg_backend_pid()`, [name])).rowCount ?? 0; await new Promise((r) => setTimeout(r, 150)) } })()
const retry = async <T>(f: () => Promise<T>): Promise<T> => { for (;;) { try { return await f() } catch (e) { if (!HoldpointError.is(e, 'STORE_UNAVAILABLE')) throw e; await new Promise((r) => setTimeout(r, 100)) } } }
const ids: string[] = []
for (let i = 0; i < 15; i++) ids.push((await retry(() => hp.start('review', { title: `t${i}` }, { background: true }))).runId)
await until(async () => (await retry(() => hp.list({ status: 'waiting_for_input', limit: 100 }))).length === 15, 120_000)
for (const id of ids) await retry(async () => (await hp.load(id)).run({ approve: { approved: true, note: id } }, { background: true }))
await until(async () => (await retry(() => hp.list({ status: 'completed', limit: 100 }))).length === 15, 120_000)
stop = true; await chaos; await killer.end()
console.log({ kills, workerStillRunning: exited === undefined })
child.kill('SIGTERM')
await until(async () => exited !== undefined)
console.log('exit', exited); console.log(stderr.split('\n').filter((l) => !l.includes(' error ')).slice(-3).join('\n'))
console.log('error lines:', stderr.split('\n').filter((l) => l.includes('error')).length)
await hp.close(); await pool.end()
