import { createHoldpoint, defineWorkflow, migrate, LATEST_SCHEMA_VERSION } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import pg from 'pg'
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
await admin.connect()
await admin.query('DROP DATABASE IF EXISTS hp_docs_scratch WITH (FORCE)')
await admin.query('CREATE DATABASE hp_docs_scratch')
const url = 'postgres://postgres@127.0.0.1:5432/hp_docs_scratch'
const wf = defineWorkflow({ id: 'p', version: 1, start: 'a', nodes: { a: async ({ requestInput }) => requestInput({ id: 'ok' }) } })
try {
  // migrate: false on an empty DB
  const s0 = postgresStore({ connectionString: url, migrate: false })
  await createHoldpoint({ workflows: [wf], store: s0 }).start('p', undefined).catch((e) => console.log('too old:', e.code, e.message))
  await s0.close()
  const s1 = postgresStore({ connectionString: url })
  console.log('migrate()', await migrate(s1.db as any), 'again', await migrate(s1.db as any), 'LATEST', LATEST_SCHEMA_VERSION)
  const hp = createHoldpoint({ workflows: [wf], store: s1 })
  const e = await hp.start('p', undefined)
  await e.run()
  const c = new pg.Client({ connectionString: url }); await c.connect()
  // log statements count? show rows
  for (const t of ['runs', 'requests', 'steps', 'events', 'schema_version']) {
    const { rows } = await c.query(`SELECT count(*)::int n FROM holdpoint.${t}`); console.log(t, rows[0].n)
  }
  const { rows: r } = await c.query('SELECT id, status, node, visit, position, state, outputs, row_version, event_seq FROM holdpoint.runs'); console.log(r)
  const { rows: q } = await c.query('SELECT * FROM holdpoint.requests'); console.log(q)
  const { rows: idx } = await c.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname='holdpoint'`); console.log(idx)
  await e.run({ ok: true })
  await hp.close()
  await c.query('INSERT INTO holdpoint.schema_version (version) VALUES (99)')
  const s2 = postgresStore({ connectionString: url })
  await createHoldpoint({ workflows: [wf], store: s2 }).list().catch((e) => console.log('too new:', e.code, e.message))
  await s2.close()
  await c.end()
} finally {
  await admin.query('DROP DATABASE IF EXISTS hp_docs_scratch WITH (FORCE)')
  await admin.end()
}
