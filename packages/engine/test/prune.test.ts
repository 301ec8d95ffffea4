import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError } from '../src/index.js'
import type { SqlStore } from '../src/postgres.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

describe.each(storeKinds)('prune (%s)', (kind) => {
  const stores = useStores()

  it('deletes finished runs older than a date with all their rows, and nothing else', async () => {
    const store = (await stores.fresh(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [approval], store })
    const done = await hp.start('approval', { topic: 'done' })
    await done.run()
    await done.run({ approve: { approved: true, note: 'ok' } })
    const cancelled = await hp.start('approval', { topic: 'cancelled' })
    await cancelled.run()
    await cancelled.cancel()
    const waiting = await hp.start('approval', { topic: 'waiting' })
    await waiting.run()

    expect(await hp.prune({ olderThan: new Date(Date.now() - 60_000) })).toBe(0)
    expect(await hp.prune({ olderThan: new Date(Date.now() + 1000) })).toBe(2)
    const left = await hp.list()
    expect(left.map((r) => r.runId)).toEqual([waiting.runId])
    const { rows } = await sql<{ run_id: string }>`
      SELECT run_id FROM holdpoint.requests UNION SELECT run_id FROM holdpoint.steps
      UNION SELECT run_id FROM holdpoint.history`.execute(store.db)
    expect(rows.map((r) => r.run_id)).toEqual([waiting.runId])

    expect(
      await hp.prune({ olderThan: new Date(Date.now() + 1000), status: 'waiting_for_input' }),
    ).toBe(1)
    expect(await hp.list()).toEqual([])
  })

  it('refuses bad options', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const bad: unknown[] = [
      undefined,
      {},
      { olderThan: 'yesterday' },
      { olderThan: new Date(Number.NaN) },
      { olderThan: new Date(), status: 'gone' },
      { olderThan: new Date(), status: [] },
      { olderThan: new Date(), status: 'running' },
    ]
    for (const options of bad) {
      const error = await hp.prune(options as never).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_ARGUMENT')).toBe(true)
    }
  })
})
