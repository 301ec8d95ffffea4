import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createHoldpoint } from '../src/index.js'
import { postgresStore } from '../src/postgres.js'
import { useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

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
              'holdpoint_create_runs',
              'holdpoint_load_runs',
              'holdpoint_run_versions',
              // Each checkpoint with the parts it needs: answer, node completions, pause.
              'holdpoint_write_checkpoints_a',
              'holdpoint_write_checkpoints_h',
              'holdpoint_write_checkpoints_r',
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
