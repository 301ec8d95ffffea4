import { describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

describe.each(storeKinds)('hp.list (%s)', (kind) => {
  const stores = useStores()

  it('lists waiting runs across runs with their requests, page by page', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.fresh(kind) })
    const ids: string[] = []
    for (const topic of ['a', 'b', 'c']) {
      const engine = await hp.start('approval', { topic })
      await engine.run()
      ids.push(engine.runId)
    }
    const done = await hp.start('approval', { topic: 'd' })
    await done.run()
    await done.run({ approve: { approved: true, note: 'ok' } })

    const waiting = await hp.list({ status: 'waiting_for_input' })
    expect(waiting.map((r) => r.runId)).toEqual(ids)
    expect(waiting[0]).toMatchObject({
      workflowId: 'approval',
      version: 1,
      currentNodes: ['review'],
      awaitingInput: [{ requestId: 'approve', prompt: 'Approve?\nDraft for a' }],
    })
    expect((await hp.list({ status: 'completed' })).map((r) => r.runId)).toEqual([done.runId])
    expect(await hp.list({ status: ['completed', 'waiting_for_input'] })).toHaveLength(4)
    expect(await hp.list({ workflow: 'other' })).toEqual([])

    const first = await hp.list({ limit: 2 })
    const second = await hp.list({ limit: 2, after: first.at(-1)?.runId })
    expect([...first, ...second].map((r) => r.runId)).toEqual([...ids, done.runId])
    expect(await hp.list({ after: 'not-a-run' })).toEqual([])
  })

  it('closes cleanly and refuses use afterwards', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.fresh(kind) })
    await hp.list()
    await hp.close()
    const error = await hp.list().catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'STORE_CLOSED')).toBe(true)
  })
})
