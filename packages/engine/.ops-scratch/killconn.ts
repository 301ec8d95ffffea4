import pg from 'pg'
import { createHoldpoint, defineWorkflow, HoldpointError } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { admin, freshDb, until } from './common.js'

const effects = new Map<string, number>()
const after = new Map<string, number>()
const wf = defineWorkflow({
  id: 'k', version: 1, start: 'a',
  nodes: {
    a: async ({ step, runId }) => {
      await step('fx', () => { effects.set(runId, (effects.get(runId) ?? 0) + 1); return 1 })
      await new Promise((r) => setTimeout(r, 30))
      return 1
    },
    b: async ({ requestInput, runId }) => {
      const v = await requestInput({ id: 'ok' })
      after.set(runId, (after.get(runId) ?? 0) + 1)
      return v
    },
  },
  edges: [{ from: 'a', to: 'b' }],
})
const name = 'hp_ops_kill'
const url = await freshDb(name)
const guarded = () => { const pool = new pg.Pool({ connectionString: url, max: 5 }); pool.on('error', () => {}); pool.on('connect', (c) => c.on('error', () => {})); return pool }
const hp = createHoldpoint({ workflows: [wf], store: postgresStore(process.env.OWN_POOL ? { pool: guarded() } : { connectionString: url }), leaseMs: 2000 })
const client = createHoldpoint({ workflows: [wf], store: postgresStore(process.env.OWN_POOL ? { pool: guarded() } : { connectionString: url }) })
await hp.store(); await client.store()
const errs = new Map<string, number>()
const w = hp.worker({ concurrency: 4, pollMs: 100, onError: (e) => { const c = HoldpointError.is(e) ? e.code : (e as Error).message; errs.set(c, (errs.get(c) ?? 0) + 1) } })
const killer = new pg.Client({ connectionString: admin }); await killer.connect()
let kills = 0
const clientErrors = new Map<string, number>()
let stop = false
const chaos = (async () => { while (!stop) { const r = await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]); kills += r.rowCount ?? 0; await new Promise((r) => setTimeout(r, 150)) } })()
const retry = async <T>(f: () => Promise<T>): Promise<T> => { for (;;) { try { return await f() } catch (e) { const c = HoldpointError.is(e) ? e.code : String(e); clientErrors.set(c, (clientErrors.get(c) ?? 0) + 1); if (!HoldpointError.is(e, 'STORE_UNAVAILABLE')) throw e; await new Promise((r) => setTimeout(r, 100)) } } }
const ids: string[] = []
for (let i = 0; i < 20; i++) ids.push((await retry(() => client.start('k', undefined, { background: true }))).runId)
await until(async () => { const rows = await retry(() => client.list({ status: 'waiting_for_input', limit: 1000 })); return rows.length === 20 }, 120_000)
for (const id of ids) await retry(async () => (await client.load(id)).run({ ok: id }, { background: true }))
await until(async () => { const rows = await retry(() => client.list({ status: 'completed', limit: 1000 })); return rows.length === 20 }, 120_000)
stop = true; await chaos; await killer.end()
let received = 0, badOutputs = 0
for (const id of ids) { const e = await client.load(id); if (e.executionState.output !== id) badOutputs++; for await (const ev of e.events()) if (ev.type === 'input_received') received++ }
console.log({ kills, workerErrors: Object.fromEntries(errs), clientErrors: Object.fromEntries(clientErrors), input_received: received, badOutputs, effectsMax: Math.max(...effects.values()), afterAwaitMax: Math.max(...after.values()), stats: w.stats })
await w.stop(); await hp.close(); await client.close(); process.exit(0)
