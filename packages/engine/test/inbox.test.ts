import { randomUUID } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
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
    expect(await hp.list({ status: [] })).toEqual([])
  })

  it('pages on past a run deleted meanwhile when given the last item, and refuses a lost id', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.fresh(kind) })
    const marker = await hp.start('approval', { topic: 'before the others' })
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const engine = await hp.start('approval', { topic: `t${i}` })
      await engine.run()
      if (i < 2) await engine.cancel()
      ids.push(engine.runId)
    }
    const first = await hp.list({ limit: 2, after: marker.runId })
    expect(first.map((r) => r.runId)).toEqual(ids.slice(0, 2))
    // A retention job deletes the finished runs while somebody pages through the list.
    await hp.prune({ olderThan: new Date(Date.now() + 60_000) })
    const last = first.at(-1) as (typeof first)[number]
    expect(await hp.load(last.runId).catch((e: unknown) => e)).toMatchObject({
      code: 'RUN_NOT_FOUND',
    })
    const next = await hp.list({ limit: 2, after: last })
    expect(next.map((r) => r.runId)).toEqual(ids.slice(2))
    for (const after of [last.runId, 'not-a-run']) {
      const error = await hp.list({ after }).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_ARGUMENT')).toBe(true)
      expect((error as Error).message).toContain('does not (pruned while paging?)')
    }
  })

  it('refuses options it cannot list by', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.fresh(kind) })
    const refused = [
      { limit: 0 },
      { limit: 2.5 },
      { limit: Number.NaN },
      { status: 'done' },
      { status: ['completed', 'nope'] },
      { workflow: 7 },
      { after: { runId: 'x', createdAt: new Date() } },
      { after: { runId: randomUUID(), createdAt: new Date(Number.NaN) } },
    ]
    for (const options of refused) {
      const error = await hp.list(options as never).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_ARGUMENT'), JSON.stringify(options)).toBe(true)
    }
  })

  it('closes cleanly and refuses use afterwards', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.fresh(kind) })
    await hp.list()
    await hp.close()
    const error = await hp.list().catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'STORE_CLOSED')).toBe(true)
  })

  it('closes its store once, however many times and at once it is closed', async () => {
    const store = await stores.fresh(kind)
    const closeStore = vi.spyOn(store, 'close')
    const hp = createHoldpoint({ workflows: [approval], store })
    await hp.list()
    await Promise.all([hp.close(), hp.close()])
    await hp.close()
    expect(closeStore).toHaveBeenCalledTimes(1)
  })
})
