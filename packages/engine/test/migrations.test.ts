import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError, LATEST_SCHEMA_VERSION } from '../src/index.js'
import { pgliteStore } from '../src/pglite.js'
import { postgresStore } from '../src/postgres.js'
import { createEmptyDatabase, type TestDatabase } from '../../../test/setup/database.js'
import { approval, approvalWorkflow, type Counted } from './fixtures/approval.js'
import { migrations } from '../src/store/migrations/index.js'

/** The statements that leave an empty database at schema `version`, as older code left it. */
function schemaAt(version: number): string[] {
  return [
    'CREATE SCHEMA holdpoint',
    'CREATE TABLE holdpoint.schema_version (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    ...migrations.filter((m) => m.version <= version).flatMap((m) => m.statements),
    `INSERT INTO holdpoint.schema_version (version) SELECT generate_series(1, ${version})`,
  ]
}

describe('migrations', () => {
  const databases: TestDatabase[] = []
  afterAll(async () => Promise.all(databases.map((d) => d.drop())))

  async function emptyDatabase(): Promise<TestDatabase> {
    const database = await createEmptyDatabase()
    databases.push(database)
    return database
  }

  async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query<T>(text)).rows
    } finally {
      await client.end()
    }
  }

  it('migrates an empty database on first use, once, even from several processes at once', async () => {
    const { url } = await emptyDatabase()
    const stores = [1, 2, 3].map(() => postgresStore({ connectionString: url, maxConnections: 1 }))
    await Promise.all(stores.map((s) => s.ready()))
    await Promise.all(stores.map((s) => s.close()))
    const rows = await query<{ version: number }>(
      url,
      'SELECT version FROM holdpoint.schema_version',
    )
    expect(rows.map((r) => r.version)).toEqual(
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
    )
    const tables = await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'holdpoint' ORDER BY 1`,
    )
    expect(tables.map((t) => t.table_name)).toEqual([
      'followers',
      'history',
      'requests',
      'runs',
      'schema_version',
      'schemas',
      'steps',
    ])
  })

  it('refuses to run against a schema newer than the code', async () => {
    const { url } = await emptyDatabase()
    const store = postgresStore({ connectionString: url })
    await store.ready()
    await store.close()
    await query(
      url,
      `INSERT INTO holdpoint.schema_version (version) VALUES (${LATEST_SCHEMA_VERSION + 1})`,
    )
    const hp = createHoldpoint({
      workflows: [approval],
      store: postgresStore({ connectionString: url }),
    })
    const error = await hp.list().catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'SCHEMA_TOO_NEW')).toBe(true)
    expect((error as Error).message).toContain('Upgrade holdpoint')
    await hp.close()
  })

  it('without auto-migration, asks for `holdpoint migrate` on an old schema', async () => {
    const { url } = await emptyDatabase()
    const store = postgresStore({ connectionString: url, migrate: false })
    const error = await store.ready().catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'SCHEMA_TOO_OLD')).toBe(true)
    expect((error as Error).message).toContain('holdpoint migrate')
    await store.close()
  })

  it('applies the same migrations to PGlite', async () => {
    const store = pgliteStore({ dataDir: 'memory://' })
    await store.ready()
    const { rows } = await store.db
      .selectFrom('holdpoint.runs')
      .selectAll()
      .execute()
      .then((r) => ({ rows: r }))
    expect(rows).toEqual([])
    await store.close()
  })

  it('carries history written before migration 4 (one row per event) over to one row per checkpoint', async () => {
    const { url } = await emptyDatabase()
    const setup = [
      ...schemaAt(3),
      `INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
         outputs, input, event_seq, created_at, updated_at)
       VALUES ('0190f0a0-0000-7000-8000-000000000001', 'approval', 1, 'waiting_for_input',
         'review', 1, '{"value":"review","visits":{"draft":1,"review":1}}', '{"draft":"d"}',
         '{}', '{"topic":"t"}', 4, now(), now())`,
      `INSERT INTO holdpoint.events (run_id, seq, type, data, at) VALUES
         ('0190f0a0-0000-7000-8000-000000000001', 1, 'run_started', '{"workflow":"approval","version":1}', now()),
         ('0190f0a0-0000-7000-8000-000000000001', 2, 'node_completed', '{"node":"draft","visit":1,"ms":5,"owner":"w"}', now()),
         ('0190f0a0-0000-7000-8000-000000000001', 3, 'input_requested', '{"node":"review","visit":1,"requestId":"approve"}', now()),
         ('0190f0a0-0000-7000-8000-000000000001', 4, 'node_failed', '{"node":"review","visit":1,"attempt":1,"message":"boom"}', now())`,
    ]
    for (const statement of setup) await query(url, statement)
    const hp = createHoldpoint({
      workflows: [approval],
      store: postgresStore({ connectionString: url }),
    })
    const events = []
    for await (const event of hp.events('0190f0a0-0000-7000-8000-000000000001')) events.push(event)
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'run_started'],
      [2, 'node_completed'],
      [3, 'input_requested'],
      [4, 'node_failed'],
    ])
    expect(events[1]?.data).toEqual({ node: 'draft', visit: 1, durationMs: 5, owner: 'w' })
    expect(events[3]?.data).toEqual({
      node: 'review',
      visit: 1,
      attempt: 1,
      error: { name: 'Error', message: 'boom' },
    })
    await hp.close()
  })
  it('keeps every value written before migration 6 (jsonb) when its columns become json', async () => {
    const { url } = await emptyDatabase()
    const runId = '0190f0a0-0000-7000-8000-000000000002'
    const setup = [
      ...schemaAt(5),
      `INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
         outputs, input, event_seq, created_at, updated_at)
       VALUES ('${runId}', 'approval', 1, 'waiting_for_input', 'review', 1,
         '{"value":"review","visits":{"draft":1,"review":1}}', '{"draft":"Draft for t"}',
         '{}', '{"topic":"t"}', 6, now(), now())`,
      `INSERT INTO holdpoint.requests (run_id, node, visit, request_id, seq, spec, status, created_at)
       VALUES ('${runId}', 'review', 1, 'approve', 1, '{"prompt":"Approve?\\nDraft for t",
         "inputType":"text","schema":{"type":"object","properties":{"approved":{"type":"boolean"},
         "note":{"type":"string"}},"required":["approved","note"]}}', 'open', now())`,
      `INSERT INTO holdpoint.steps (run_id, node, visit, key, seq, result)
       VALUES ('${runId}', 'review', 1, 'notify', 1, '{"notified":true}')`,
      `INSERT INTO holdpoint.history (run_id, last_seq, at, events) VALUES
         ('${runId}', 2, now(), '[["run_started",{"workflow":"approval","version":1}],["node_started",{"node":"draft","visit":1}]]'),
         ('${runId}', 4, now(), '[["node_completed",{"node":"draft","visit":1,"durationMs":1,"owner":"w"}],["node_started",{"node":"review","visit":1}]]'),
         ('${runId}', 6, now(), '[["input_requested",{"requestId":"approve","node":"review","visit":1}],["run_waiting",{"requestIds":["approve"]}]]')`,
    ]
    for (const statement of setup) await query(url, statement)
    const counts: Counted[] = []
    const hp = createHoldpoint({
      workflows: [approvalWorkflow((_, piece) => counts.push(piece))],
      store: postgresStore({ connectionString: url }),
    })
    const engine = await hp.load(runId)
    expect(engine.executionState.awaitingInput.map((r) => [r.requestId, r.prompt])).toEqual([
      ['approve', 'Approve?\nDraft for t'],
    ])
    const done = await engine.run({ approve: { approved: true, note: 'ok' } })
    expect(done.output).toEqual({ status: 'approved', draft: 'Draft for t', note: 'ok' })
    // The step's stored result replayed; nothing before the pause ran twice.
    expect(counts).toEqual(['reviewBefore', 'reviewAfter', 'publish'])
    const events = []
    for await (const event of hp.events(runId)) events.push(event)
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
    await hp.close()
    const [row] = await query<{ types: string[]; output: string; answer: string }>(
      url,
      `SELECT (SELECT array_agg(DISTINCT data_type::text) FROM information_schema.columns
                WHERE table_schema = 'holdpoint' AND column_name IN ('position', 'state',
                  'outputs', 'input', 'output', 'error', 'spec', 'answer', 'result')) AS types,
         (SELECT output::text FROM holdpoint.runs) AS output,
         (SELECT answer::text FROM holdpoint.requests) AS answer`,
    )
    expect(row?.types).toEqual(['json'])
    // The schema moved to its own table; the request names it.
    const [moved] = await query<{ spec: object; schema: object; schemas: number }>(
      url,
      `SELECT q.spec, s.schema, (SELECT count(*)::int FROM holdpoint.schemas) AS schemas
         FROM holdpoint.requests q JOIN holdpoint.schemas s ON s.id = q.schema_id`,
    )
    expect(moved).toEqual({
      spec: { prompt: 'Approve?\nDraft for t', inputType: 'text' },
      schema: {
        type: 'object',
        properties: { approved: { type: 'boolean' }, note: { type: 'string' } },
        required: ['approved', 'note'],
      },
      schemas: 1,
    })
    // Stored as written: compact text, key order kept.
    expect(row?.output).toBe('{"status":"approved","draft":"Draft for t","note":"ok"}')
    expect(row?.answer).toBe('{"approved":true,"note":"ok"}')
  })

  it('moves unexpired follow marks into their runs at migration 8, and keeps followers for older code', async () => {
    const { url } = await emptyDatabase()
    const [followed, expired, never] = [3, 4, 5].map(
      (n) => `0190f0a0-0000-7000-8000-00000000000${n}`,
    )
    const run = (id: string | undefined) =>
      `INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
         outputs, input, event_seq, created_at, updated_at)
       VALUES ('${id}', 'approval', 1, 'waiting_for_input', 'review', 1,
         '{"value":"review","visits":{"draft":1,"review":1}}', '{}', '{}', '{"topic":"t"}', 4,
         now(), now())`
    const setup = [
      ...schemaAt(7),
      run(followed),
      run(expired),
      run(never),
      `INSERT INTO holdpoint.followers (run_id, until) VALUES
         ('${followed}', now() + interval '1 minute'), ('${expired}', now() - interval '1 second')`,
    ]
    for (const statement of setup) await query(url, statement)
    const store = postgresStore({ connectionString: url })
    await store.ready()
    await store.close()
    const rows = await query<{ id: string; marked: boolean | null }>(
      url,
      `SELECT id, followed_until > now() AS marked FROM holdpoint.runs ORDER BY id`,
    )
    expect(rows).toEqual([
      { id: followed, marked: true },
      { id: expired, marked: null },
      { id: never, marked: null },
    ])
    const [left] = await query<{ count: number }>(
      url,
      'SELECT count(*)::int AS count FROM holdpoint.followers',
    )
    expect(left?.count).toBe(2)
  })

  it('deletes the rows of runs that no longer exist at migration 7, and keeps every other', async () => {
    const { url } = await emptyDatabase()
    const [live, gone] = [6, 7].map((n) => `0190f0a0-0000-7000-8000-00000000000${n}`)
    const [shared, orphaned] = ['1', '2'].map((n) => `00000000-0000-0000-0000-00000000000${n}`)
    const rowsOf = (id: string | undefined, schemaId: string | undefined) => [
      `INSERT INTO holdpoint.requests (run_id, node, visit, request_id, seq, spec, schema_id,
         status, created_at)
       VALUES ('${id}', 'review', 1, 'approve', 1, '{"inputType":"text"}', '${schemaId}', 'open',
         now())`,
      `INSERT INTO holdpoint.steps (run_id, node, visit, key, seq, result)
       VALUES ('${id}', 'review', 1, 'notify', 1, '{"notified":true}')`,
      `INSERT INTO holdpoint.history (run_id, last_seq, at, events)
       VALUES ('${id}', 2, now(), '[["run_started",{"workflow":"approval","version":1}]]')`,
    ]
    const setup = [
      ...schemaAt(6),
      `INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
         outputs, input, event_seq, created_at, updated_at)
       VALUES ('${live}', 'approval', 1, 'waiting_for_input', 'review', 1,
         '{"value":"review","visits":{"draft":1,"review":1}}', '{}', '{}', '{"topic":"t"}', 2,
         now(), now())`,
      `INSERT INTO holdpoint.schemas (id, schema) VALUES ('${shared}', '{"type":"object"}'),
         ('${orphaned}', '{"type":"string"}')`,
      ...rowsOf(live, shared),
      ...rowsOf(gone, orphaned),
    ]
    for (const statement of setup) await query(url, statement)
    const store = postgresStore({ connectionString: url })
    await store.ready()
    await store.close()
    const [left] = await query<Record<string, string[]>>(
      url,
      `SELECT (SELECT array_agg(run_id::text) FROM holdpoint.requests) AS requests,
         (SELECT array_agg(run_id::text) FROM holdpoint.steps) AS steps,
         (SELECT array_agg(run_id::text) FROM holdpoint.history) AS history,
         (SELECT array_agg(id::text) FROM holdpoint.schemas) AS schemas`,
    )
    expect(left).toEqual({ requests: [live], steps: [live], history: [live], schemas: [shared] })
  })
})
