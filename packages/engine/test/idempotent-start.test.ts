import { describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

describe.each(storeKinds)('idempotent start (%s)', (kind) => {
  const stores = useStores()

  it('returns the first run for a repeated key, also from another Holdpoint', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const first = await hp.start('approval', { topic: 'once' }, { idempotencyKey: 'order-17' })
    await first.run()
    const other = createHoldpoint({ workflows: [approval], store })
    const again = await other.start('approval', { topic: 'once' }, { idempotencyKey: 'order-17' })
    expect(again.runId).toBe(first.runId)
    expect(again.executionState.status).toBe('waiting_for_input')
    const simultaneous = await Promise.all(
      [1, 2, 3].map(() => hp.start('approval', { topic: 'race' }, { idempotencyKey: 'order-18' })),
    )
    expect(new Set(simultaneous.map((e) => e.runId)).size).toBe(1)
    const runs = await hp.list({ limit: 1000 })
    expect(runs.filter((r) => r.runId === first.runId)).toHaveLength(1)
  })

  it('refuses a repeated key with another input, and bad keys, starting nothing', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    await hp.start('approval', { topic: 'a' }, { idempotencyKey: 'order-19' })
    const before = (await hp.list({ limit: 1000 })).length
    const conflict = await hp
      .start('approval', { topic: 'b' }, { idempotencyKey: 'order-19' })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(conflict, 'IDEMPOTENCY_CONFLICT')).toBe(true)
    for (const key of ['', 'k'.repeat(201), 7, 'nul\u0000']) {
      const error = await hp
        .start('approval', { topic: 'a' }, { idempotencyKey: key as string })
        .catch((e: unknown) => e)
      expect(HoldpointError.is(error)).toBe(true)
    }
    expect((await hp.list({ limit: 1000 })).length).toBe(before)
  })
})
