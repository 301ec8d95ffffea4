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
})
