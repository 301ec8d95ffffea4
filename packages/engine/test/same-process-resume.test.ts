import { beforeEach, describe, expect, it } from 'vitest'
import { createHoldpoint, WorkflowStatus } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'

describe.each(storeKinds)('same-process resume (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('pauses at requestInput and publishes the request', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'AI safety' })
    expect(engine.executionState.status).toBe('running')
    expect(counts.draft).toBe(0) // nothing runs before run()

    await engine.run()
    const state = engine.executionState
    expect(state.status).toBe(WorkflowStatus.WAITING_FOR_INPUT)
    expect(state.currentNodes).toEqual(['review'])
    expect(state.state).toEqual({ draft: 'Draft for AI safety' })
    expect(state.awaitingInput).toHaveLength(1)
    const [request] = state.awaitingInput
    expect(request).toMatchObject({
      requestId: 'approve',
      nodeId: 'review',
      visit: 1,
      prompt: 'Approve?\nDraft for AI safety',
      inputType: 'text',
      options: null,
      expiresAt: null,
    })
    expect(request?.schema).toMatchObject({
      type: 'object',
      properties: { approved: { type: 'boolean' }, note: { type: 'string' } },
    })
  })

  it('continues after the await; nothing before it runs again', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'AI safety' })
    await engine.run()
    await engine.run({ approve: { approved: true, note: 'ok' } })

    expect(engine.executionState.status).toBe('completed')
    expect(engine.executionState.output).toEqual({
      status: 'approved',
      draft: 'Draft for AI safety',
      note: 'ok',
    })
    expect(engine.executionState.currentNodes).toEqual([])
    expect(counts).toEqual({ draft: 1, reviewBefore: 1, reviewAfter: 1, publish: 1, notify: 1 })
  })

  it('resumes the paused node through hp.load in the same process without replaying it', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const started = await hp.start('approval', { topic: 'inbox' })
    await started.run()
    const loaded = await hp.load(started.runId)
    await loaded.run({ approve: { approved: true, note: 'via load' } })
    expect(loaded.executionState.status).toBe('completed')
    expect(counts.reviewBefore).toBe(1)
  })
  it('loads the engine it holds while the run is as stored, and a fresh one once it moved', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'held' })
    await engine.run()
    expect(await hp.load(engine.runId)).toBe(engine)
    expect(await hp.load(engine.runId.toUpperCase())).toBe(engine)

    // Another process answers; this one's copy is now behind what is stored.
    const other = createHoldpoint({ workflows: [approval], store })
    await (await other.load(engine.runId)).run({ approve: { approved: true, note: 'there' } })
    const again = await hp.load(engine.runId)
    expect(again).not.toBe(engine)
    expect(again.executionState).toMatchObject({
      status: 'completed',
      output: { status: 'approved', draft: 'Draft for held', note: 'there' },
    })
  })
})
