import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError } from '../src/index.js'
import { pgliteStore } from '../src/pglite.js'
import { postgresStore } from '../src/postgres.js'
import { newEvent } from '../src/history/run-event.js'
import type { Checkpoint, Store, StoredRun } from '../src/store/store.js'
import type { SqlStore } from '../src/store/sql-store.js'
import type { BatchedWrite } from '../src/store/statement.js'
import { checkpointStatement } from '../src/store/sql-checkpoints.js'
import { LOAD_RUNS } from '../src/store/sql-load-runs.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

/** A checkpoint that notes `note` in the run's state and adds one history event. */
function noting(run: StoredRun, note: string, expectedVersion = run.rowVersion): Checkpoint {
  return {
    runId: run.id,
    expectedVersion,
    token: String(1 + Math.floor(Math.random() * 1e15)),
    run: {
      status: run.status,
      nodeId: run.nodeId,
      visit: run.visit,
      position: run.position,
      state: { ...run.state, note },
      outputs: run.outputs,
      output: run.output,
      error: run.error,
      updatedAt: new Date(),
    },
    scheduling: { lease: null, wake: null },
    newRequests: [],
    answers: [],
    closeOpenRequests: false,
    events: [newEvent('run_cancelled', { reason: note })],
  }
}

/** The checkpoint statement for each combination of parts: sixteen, each in two texts. */
function everyCheckpointStatement(): BatchedWrite[] {
  const flags = [false, true]
  return flags.flatMap((history) =>
    flags.flatMap((requests) =>
      flags.flatMap((answers) =>
        flags.map((closes) => checkpointStatement({ history, requests, answers, closes })),
      ),
    ),
  )
}

/** The plan a prepared statement settles on: built without the parameter's value. */
async function genericPlan(store: SqlStore, text: string, parameter: string): Promise<string> {
  return store.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(trx)
    await sql.raw(`PREPARE plan_check AS ${text}`).execute(trx)
    const { rows } = await sql
      .raw<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE plan_check('${parameter}')`)
      .execute(trx)
    await sql`DEALLOCATE plan_check`.execute(trx)
    return rows.map((row) => row['QUERY PLAN']).join('\n')
  })
}

/** How many transactions wrote the rows of these runs (their distinct `xmin`). */
async function writingTransactions(store: Store, runIds: readonly string[]): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT count(DISTINCT xmin::text) AS n FROM holdpoint.runs
    WHERE id = ANY(${runIds}::uuid[])`.execute((store as SqlStore).db)
  return Number(rows[0]?.n)
}

/** `count` runs of the approval workflow, paused at their request, as stored. */
async function pausedRuns(store: Store, count: number): Promise<StoredRun[]> {
  const hp = createHoldpoint({ workflows: [approval], store })
  const engines = await Promise.all(
    Array.from({ length: count }, (_, i) => hp.start('approval', { topic: `t${i}` })),
  )
  await Promise.all(engines.map((e) => e.run()))
  const runs = await Promise.all(engines.map((e) => store.loadRun(e.runId)))
  return runs.map((run) => run as StoredRun)
}

describe.each(storeKinds)('group commit (%s)', (kind) => {
  const stores = useStores()

  it('writes concurrent starts and checkpoints of many runs in far fewer transactions', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engines = await Promise.all(
      Array.from({ length: 40 }, (_, i) => hp.start('approval', { topic: `g${i}` })),
    )
    const ids = engines.map((e) => e.runId)
    expect(await writingTransactions(store, ids)).toBeLessThan(20)
    await Promise.all(engines.map((e) => e.run()))
    await Promise.all(engines.map((e) => e.run({ approve: { approved: true, note: 'ok' } })))
    expect(await writingTransactions(store, ids)).toBeLessThan(20)
    for (const [i, engine] of engines.entries()) {
      const state = await hp.load(engine.runId).then((e) => e.executionState)
      expect(state.status).toBe('completed')
      expect(state.output).toEqual({ status: 'approved', draft: `Draft for g${i}`, note: 'ok' })
    }
  })

  it('writes every run alone with maxBatchSize: 1', async () => {
    const store =
      kind === 'postgres'
        ? postgresStore({ connectionString: (await stores.database()).url, maxBatchSize: 1 })
        : pgliteStore({ dataDir: 'memory://', maxBatchSize: 1 })
    try {
      const hp = createHoldpoint({ workflows: [approval], store })
      const engines = await Promise.all(
        Array.from({ length: 10 }, (_, i) => hp.start('approval', { topic: `s${i}` })),
      )
      expect(
        await writingTransactions(
          store,
          engines.map((e) => e.runId),
        ),
      ).toBe(10)
    } finally {
      await store.close()
    }
  })

  it('refuses a bad maxBatchSize before opening anything', () => {
    for (const maxBatchSize of [0, 1.5, 1001, Number.NaN, '8']) {
      const open = () =>
        kind === 'postgres'
          ? postgresStore({
              connectionString: 'postgres://nobody@127.0.0.1:1/none',
              maxBatchSize: maxBatchSize as number,
            })
          : pgliteStore({ dataDir: 'memory://', maxBatchSize: maxBatchSize as number })
      expect(open).toThrow(/maxBatchSize must be a whole number from 1 to 1000/)
    }
  })

  it('looks runs up by primary key in its shared statements, whatever the table holds', async () => {
    const store = (await stores.fresh(kind)) as SqlStore
    await store.ready()
    await sql`INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position,
        state, outputs, input, created_at, updated_at)
      SELECT gen_random_uuid(), 'filler', 1, 'completed', NULL, 1, '{}', '{}', '{}', 'null',
        now(), now()
      FROM generate_series(1, 5000)`.execute(store.db)
    await sql`ANALYZE holdpoint.runs`.execute(store.db)
    const statements = everyCheckpointStatement().flatMap(({ one, many }) => [one, many])
    for (const statement of [...statements, LOAD_RUNS]) {
      const plan = await genericPlan(store, statement.text, '[]')
      expect(plan).toMatch(/Index Scan on runs_pkey|Index Scan using runs_pkey/)
      expect(plan).not.toMatch(/Seq Scan on runs\b/)
    }
  })

  it('looks a lone run up by primary key even while the table is small', async () => {
    const store = (await stores.fresh(kind)) as SqlStore
    await store.ready()
    await sql`INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position,
        state, outputs, input, created_at, updated_at)
      SELECT gen_random_uuid(), 'filler', 1, 'completed', NULL, 1, '{}',
        json_build_object('draft', repeat('x', 400)), '{}', 'null', now(), now()
      FROM generate_series(1, 100)`.execute(store.db)
    await sql`ANALYZE holdpoint.runs`.execute(store.db)
    // A hundred runs the size of an approval run's. For a recordset's guess of 100 rows, scanning
    // and hashing such a table looks cheaper than looking each up.
    for (const { one } of everyCheckpointStatement()) {
      const plan = await genericPlan(store, one.text, '{}')
      expect(plan).toMatch(/Index Scan using runs_pkey/)
      expect(plan).not.toMatch(/Seq Scan on runs\b/)
    }
  })

  it('stores text that looks like SQL or quoting exactly, alone and in shared statements', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const topics = [
      "$hp$'); DROP TABLE holdpoint.runs; --",
      '$hp_$ $hp__$ $$ \\ \' " \u2028',
      "it's $1 and $2::jsonb",
    ]
    const engines = await Promise.all(topics.map((topic) => hp.start('approval', { topic })))
    await Promise.all(engines.map((e) => e.run()))
    const note = topics.join(' | ')
    await Promise.all(engines.map((e) => e.run({ approve: { approved: true, note } })))
    for (const [i, engine] of engines.entries()) {
      const { executionState } = await hp.load(engine.runId)
      expect(executionState.output).toEqual({
        status: 'approved',
        draft: `Draft for ${topics[i]}`,
        note,
      })
    }
  })

  it('lets writes submitted before close reach the database, and refuses later ones', async () => {
    const store = await stores.fresh(kind)
    const runs = await pausedRuns(store, 12)
    const writes = runs.map((run) => store.checkpoint(noting(run, 'before close')))
    const closing = store.close()
    expect(await Promise.all(writes)).toEqual(runs.map(() => true))
    await closing
    const late = await store.checkpoint(noting(runs[0] as StoredRun, 'late')).catch((e) => e)
    expect(HoldpointError.is(late, 'STORE_CLOSED')).toBe(true)
    if (kind === 'postgres') {
      const reader = await stores.fresh(kind)
      const stored = await Promise.all(runs.map((run) => reader.loadRun(run.id)))
      expect(stored.map((run) => run?.state.note)).toEqual(runs.map(() => 'before close'))
    }
  })

  it('keeps each run its own compare-and-swap inside a shared statement', async () => {
    const store = await stores.open(kind)
    const [a, b, c] = await pausedRuns(store, 3)
    const stale = { ...(b as StoredRun), rowVersion: (b as StoredRun).rowVersion - 1 }
    const written = await Promise.all([
      store.checkpoint(noting(a as StoredRun, 'a')),
      store.checkpoint(noting(stale, 'stale')),
      store.checkpoint(noting(c as StoredRun, 'c')),
    ])
    expect(written).toEqual([true, false, true])
    const after = await Promise.all([a, b, c].map((r) => store.loadRun((r as StoredRun).id)))
    expect(after.map((r) => r?.state.note)).toEqual(['a', undefined, 'c'])
    expect(after.map((r) => r?.rowVersion)).toEqual([
      (a as StoredRun).rowVersion + 1,
      (b as StoredRun).rowVersion,
      (c as StoredRun).rowVersion + 1,
    ])
    const history = await store.listEvents((b as StoredRun).id, 0, 100)
    expect(history.some((e) => e.type === 'run_cancelled')).toBe(false)
  })

  it('writes what each checkpoint needs when checkpoints needing different parts share a statement', async () => {
    const store = await stores.open(kind)
    const [noted, answered, cancelled, asking] = (await pausedRuns(store, 4)) as [
      StoredRun,
      StoredRun,
      StoredRun,
      StoredRun,
    ]
    const request = { nodeId: 'review', visit: 1, requestId: 'approve' }
    const answer = { approved: true, note: 'shared' }
    const written = await Promise.all([
      store.checkpoint(noting(noted, 'history only')),
      store.checkpoint({
        ...noting(answered, 'answered'),
        events: [],
        answers: [{ ...request, status: 'answered', answer }],
      }),
      store.checkpoint({ ...noting(cancelled, 'cancelled'), closeOpenRequests: true }),
      store.checkpoint({
        ...noting(asking, 'asking'),
        events: [],
        newRequests: [
          {
            ...request,
            requestId: 'second',
            seq: 2,
            spec: { inputType: 'text', schema: { type: 'string' } },
            status: 'open',
            answer: undefined,
            answeredAt: null,
            expiresAt: null,
            createdAt: new Date(),
          },
        ],
      }),
    ])
    expect(written).toEqual([true, true, true, true])
    const runs = [noted, answered, cancelled, asking]
    expect(
      await writingTransactions(
        store,
        runs.map((r) => r.id),
      ),
    ).toBe(1)
    const [a, b, c, d] = (await Promise.all(runs.map((r) => store.loadRun(r.id)))) as StoredRun[]
    const statuses = (run: StoredRun | undefined) =>
      run?.requests.map((q) => [q.requestId, q.status, q.answer ?? null])
    expect(a?.state.note).toBe('history only')
    expect(statuses(a)).toEqual([['approve', 'open', null]])
    expect(statuses(b)).toEqual([['approve', 'answered', answer]])
    expect(statuses(c)).toEqual([['approve', 'closed', null]])
    expect(statuses(d)).toEqual([
      ['approve', 'open', null],
      ['second', 'open', null],
    ])
    expect(d?.requests[1]?.spec.schema).toEqual({ type: 'string' })
    const noteEvents = await store.listEvents(noted.id, 0, 100)
    expect(noteEvents.filter((e) => e.type === 'run_cancelled')).toHaveLength(1)
    const answerEvents = await store.listEvents(answered.id, 0, 100)
    expect(answerEvents.some((e) => e.type === 'run_cancelled')).toBe(false)
  })

  it('lets only one of two simultaneous writes to the same run win', async () => {
    const store = await stores.open(kind)
    const [run] = (await pausedRuns(store, 1)) as [StoredRun]
    const written = await Promise.all([
      store.checkpoint(noting(run, 'first')),
      store.checkpoint(noting(run, 'second')),
    ])
    expect(written).toEqual([true, false])
    expect((await store.loadRun(run.id))?.state.note).toBe('first')
    const cancelled = (await store.listEvents(run.id, 0, 100)).filter(
      (e) => e.type === 'run_cancelled',
    )
    expect(cancelled).toHaveLength(1)
  })

  it('fails only the write that is wrong when it shares a statement with good ones', async () => {
    const store = await stores.open(kind)
    const [a, b] = (await pausedRuns(store, 2)) as [StoredRun, StoredRun]
    const broken = noting(b, 'broken')
    broken.token = 'not a number'
    const results = await Promise.allSettled([
      store.checkpoint(noting(a, 'fine')),
      store.checkpoint(broken),
    ])
    expect(results[0]).toEqual({ status: 'fulfilled', value: true })
    expect(results[1].status).toBe('rejected')
    expect((await store.loadRun(a.id))?.state.note).toBe('fine')
    expect((await store.loadRun(b.id))?.rowVersion).toBe(b.rowVersion)
  })
})

describe('group commit on Postgres', () => {
  const stores = useStores()

  it('does not hold other runs back behind a write waiting on a lock', async () => {
    const store = await stores.fresh('postgres')
    const [held, free] = (await pausedRuns(store, 2)) as [StoredRun, StoredRun]
    const locker = new pg.Client({ connectionString: (await stores.database()).url })
    await locker.connect()
    try {
      await locker.query('BEGIN')
      await locker.query('SELECT 1 FROM holdpoint.runs WHERE id = $1 FOR UPDATE', [held.id])
      const waiting = store.checkpoint(noting(held, 'waited'))
      await new Promise((resolve) => setTimeout(resolve, 20))
      const passed = await Promise.race([
        store.checkpoint(noting(free, 'passed')),
        new Promise((resolve) => setTimeout(() => resolve('held back'), 5000)),
      ])
      expect(passed).toBe(true)
      await locker.query('COMMIT')
      expect(await waiting).toBe(true)
    } finally {
      await locker.end()
    }
  })
})
