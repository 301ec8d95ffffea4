import { createRequire } from 'node:module'
import pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import { createHoldpoint, type ExecutionState } from '../src/index.js'
import { postgresStore, type SqlStore } from '../src/postgres.js'
import { callsBackQueryObjects, takesQueryObjects } from '../src/store/pg-statements.js'
import { useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'
import { proxyCuttingFirst } from './fixtures/dropping-proxy.js'

/** Starts an approval on `store`, answers it, and returns how it ended; the Holdpoint is closed. */
async function approvalOn(store: SqlStore, topic: string): Promise<ExecutionState> {
  const hp = createHoldpoint({ workflows: [approval], store })
  const engine = await hp.start('approval', { topic })
  await engine.run()
  const done = await engine.run({ approve: { approved: true, note: 'ok' } })
  await hp.close()
  return done
}

describe('postgresStore', () => {
  const stores = useStores()

  it('runs on a pool the caller owns and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: (await stores.database()).url, max: 2 })
    const hp = createHoldpoint({ workflows: [approval], store: postgresStore({ pool }) })
    const engine = await hp.start('approval', { topic: 'pool' })
    await engine.run()
    await hp.close()
    const { rows } = await pool.query<{ status: string }>(
      'SELECT status FROM holdpoint.runs WHERE id = $1',
      [engine.runId],
    )
    expect(rows).toEqual([{ status: 'waiting_for_input' }])
    await pool.end()
  })

  it('runs a whole approval on a pool made with pg-pool itself, and without prepared statements', async () => {
    const url = (await stores.database()).url
    // Not a `pg.Pool` (as with `pg.native` or another copy of `pg`): statements go as configs.
    const PgPool = createRequire(createRequire(import.meta.url).resolve('pg'))('pg-pool') as new (
      options: pg.PoolConfig & { Client: typeof pg.Client },
    ) => pg.Pool
    const foreign = new PgPool({ connectionString: url, max: 2, Client: pg.Client })
    expect(foreign).not.toBeInstanceOf(pg.Pool)
    expect(takesQueryObjects(foreign)).toBe(false)
    const pools = [
      postgresStore({ pool: foreign }),
      postgresStore({ connectionString: url, preparedStatements: false }),
    ]
    for (const [i, store] of pools.entries()) {
      const done = await approvalOn(store, `pool ${i}`)
      expect(done.status).toBe('completed')
      expect(done.output).toEqual({ status: 'approved', draft: `Draft for pool ${i}`, note: 'ok' })
    }
    await foreign.end()
  })

  it('runs through a wrapper of pool.query that passes its one argument on (tracing, timing)', async () => {
    const pool = new pg.Pool({ connectionString: (await stores.database()).url, max: 2 })
    const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>
    const seen: string[] = []
    pool.query = ((config: pg.QueryConfig) => {
      seen.push(config.text)
      return query(config)
    }) as typeof pool.query
    const done = await approvalOn(postgresStore({ pool }), 'wrapped')
    expect(done.status).toBe('completed')
    expect(seen.some((text) => text.includes('holdpoint.runs'))).toBe(true)
    await pool.end()
  })

  it('runs through a wrapper of pool.query that checks out a client of its own', async () => {
    const pool = new pg.Pool({ connectionString: (await stores.database()).url, max: 2 })
    // As a wrapper that sets a role per query would: its own checkout, the query, the release.
    pool.query = (async (config: pg.QueryConfig) => {
      const client = await pool.connect()
      try {
        return await client.query(config)
      } finally {
        client.release()
      }
    }) as typeof pool.query
    expect(takesQueryObjects(pool)).toBe(false)
    const done = await approvalOn(postgresStore({ pool }), 'own checkout')
    expect(done.status).toBe('completed')
    await pool.end()
  })

  it('hands query objects only to an unwrapped pool of this pg, with its own client class', () => {
    const url = 'postgres://nobody@127.0.0.1:1/none'
    expect(takesQueryObjects(new pg.Pool({ connectionString: url }))).toBe(true)
    const wrapped = new pg.Pool({ connectionString: url })
    const query = wrapped.query.bind(wrapped)
    wrapped.query = ((config: pg.QueryConfig) => query(config)) as typeof wrapped.query
    expect(takesQueryObjects(wrapped)).toBe(false)
    class OwnClient extends pg.Client {}
    expect(takesQueryObjects(new pg.Pool({ connectionString: url, Client: OwnClient }))).toBe(false)
    // pg before 8.19 drops the callback pg-pool gives a query object: its statements would hang.
    expect(['8.11.0', '8.18.3', '8.19.0', '8.23.1', '9.0.0'].map(callsBackQueryObjects)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ])
  })

  it('keeps its own connections open through a quiet spell longer than the idle timeout', async () => {
    const database = await stores.database()
    const hp = createHoldpoint({
      workflows: [approval],
      store: postgresStore({ connectionString: database.url }),
    })
    const engine = await hp.start('approval', { topic: 'quiet' })
    await engine.run()
    const watcher = new pg.Client({ connectionString: database.url })
    await watcher.connect()
    // The pool's connections, not the one that listens for wake-ups nor the watcher.
    const poolBackends = async () =>
      (
        await watcher.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
             AND query NOT LIKE 'LISTEN %' ORDER BY pid`,
          [database.name],
        )
      ).rows.map((row) => row.pid)
    const before = await poolBackends()
    expect(before.length).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 10_500)) // pg-pool's idle timeout is 10 s
    expect(await poolBackends()).toEqual(before)
    const done = await engine.run({ approve: { approved: true, note: 'after a pause' } })
    expect(done.status).toBe('completed')
    await watcher.end()
    await hp.close()
  }, 20_000)

  it('leaves a pool the caller owns with the listeners it had, however many stores used it', async () => {
    const pool = new pg.Pool({ connectionString: (await stores.database()).url, max: 2 })
    const before = pool.listenerCount('connect')
    for (let i = 0; i < 12; i++) {
      const store = postgresStore({ pool })
      await store.ready()
      await store.close()
    }
    expect(pool.listenerCount('connect')).toBe(before)
    await pool.end()
  })

  it('gives a step that another process stored first to the caller that lost the race', async () => {
    const database = await stores.database()
    const store = postgresStore({ connectionString: database.url, maxConnections: 2 })
    // A step is stored only for a run that exists.
    const { runId } = await createHoldpoint({ workflows: [approval], store }).start('approval', {
      topic: 'race',
    })
    const other = new pg.Client({ connectionString: database.url })
    await other.connect()
    try {
      await other.query('BEGIN')
      await other.query(
        `INSERT INTO holdpoint.steps (run_id, node, visit, key, seq, result)
         VALUES ($1, 'charge', 1, 'payment', 1, '"first"')`,
        [runId],
      )
      // This insert waits on the other transaction's row, which commits after it has begun.
      const saving = store.saveStep(runId, {
        nodeId: 'charge',
        visit: 1,
        key: 'payment',
        seq: 1,
        result: 'second',
      })
      await new Promise((resolve) => setTimeout(resolve, 200))
      await other.query('COMMIT')
      expect((await saving).result).toBe('first')
    } finally {
      await other.end()
      await store.close()
    }
  })

  it('listens on one connection after losing one in the middle of LISTEN, and stops it', async () => {
    const database = await stores.database()
    const proxy = await proxyCuttingFirst(new URL(database.url), 'LISTEN')
    const store = postgresStore({ connectionString: proxy.url, maxConnections: 1 })
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    const listening = async (): Promise<number> => {
      const { rows } = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
      )
      return Number(rows[0]?.n)
    }
    try {
      let wakes = 0
      const unlisten = await store.listen(() => wakes++)
      await vi.waitFor(async () => expect(await listening()).toBe(1), { timeout: 5_000 })
      await new Promise((resolve) => setTimeout(resolve, 600)) // a second loop would be back
      expect(await listening()).toBe(1)
      await unlisten()
      await vi.waitFor(async () => expect(await listening()).toBe(0), { timeout: 5_000 })
      const before = wakes
      await admin.query('NOTIFY holdpoint_wake')
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(wakes).toBe(before)
    } finally {
      await store.close()
      await admin.end()
      proxy.close()
    }
  })

  it.each([true, false])(
    'prepares its statements on the connection only when asked to (preparedStatements: %s)',
    async (preparedStatements) => {
      // One connection, so the check below reads the session the store used.
      const pool = new pg.Pool({ connectionString: (await stores.database()).url, max: 1 })
      const store = postgresStore({ pool, preparedStatements })
      const hp = createHoldpoint({ workflows: [approval], store })
      const engine = await hp.start('approval', { topic: 'prepared' })
      await engine.run()
      // Another Holdpoint reads the whole run; this one, holding it, checks its version only.
      await createHoldpoint({ workflows: [approval], store }).load(engine.runId)
      await (await hp.load(engine.runId)).run({ approve: { approved: true, note: 'ok' } })
      await hp.close()
      const { rows } = await pool.query<{ name: string }>(
        'SELECT name FROM pg_prepared_statements ORDER BY name',
      )
      expect(rows.map((r) => r.name)).toEqual(
        preparedStatements
          ? [
              // Writes of one run at a time take their one-row texts.
              'holdpoint_create_runs_one',
              'holdpoint_load_runs',
              'holdpoint_run_versions',
              // Each checkpoint with the parts it needs: answer, node completions, pause.
              'holdpoint_write_checkpoints_a_one',
              'holdpoint_write_checkpoints_h_one',
              'holdpoint_write_checkpoints_r_one',
            ]
          : [],
      )
      const { rows: runs } = await pool.query<{ status: string }>(
        'SELECT status FROM holdpoint.runs WHERE id = $1',
        [engine.runId],
      )
      expect(runs).toEqual([{ status: 'completed' }])
      await pool.end()
    },
  )

  it('refuses a preparedStatements that is not a boolean', () => {
    expect(() =>
      postgresStore({
        connectionString: 'postgres://nobody@127.0.0.1:1/none',
        preparedStatements: 'no' as unknown as boolean,
      }),
    ).toThrow(/preparedStatements must be true or false/)
  })
})
