import { beforeEach, describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'

describe.each(storeKinds)('loops (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('scopes answers to a node visit: the second visit asks again', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'loop' })
    await engine.run()
    await engine.run({ approve: { approved: false, note: 'again' } })

    expect(engine.executionState.status).toBe('waiting_for_input')
    expect(engine.executionState.awaitingInput.map((r) => [r.requestId, r.visit])).toEqual([
      ['approve', 2],
    ])
    expect(counts).toMatchObject({ draft: 2, reviewBefore: 2, reviewAfter: 1, notify: 2 })

    // The answer of visit 1 does not answer visit 2, here or in another process.
    const other = await createHoldpoint({ workflows: [approval], store }).load(engine.runId)
    await other.run({ approve: { approved: true, note: 'second' } })
    expect(other.executionState.output).toEqual({
      status: 'approved',
      draft: 'Draft for loop',
      note: 'second',
    })
    expect(counts).toMatchObject({
      draft: 2,
      reviewBefore: 3,
      reviewAfter: 2,
      publish: 1,
      notify: 2,
    })
  })

  it('passes each node its visit number', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'visits' })
    await engine.run()
    for (let i = 0; i < 3; i++) await engine.run({ approve: { approved: false, note: `no ${i}` } })
    expect(engine.executionState.awaitingInput[0]?.visit).toBe(4)
  })
})

describe.each(storeKinds)('answers pinned to a visit (%s)', (kind) => {
  const stores = useStores()

  it('recognise a resubmitted answer for an earlier visit as a repeat', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'double click' })
    await engine.run()
    const redo = { approved: false, note: 'redo' }
    await engine.run({ approve: redo }, { visits: { approve: 1 } })
    expect(engine.executionState.awaitingInput.map((r) => r.visit)).toEqual([2])
    const before = await store.loadRun(engine.runId)

    // The same form submitted again: without the visit it would answer visit 2.
    await engine.run({ approve: redo }, { visits: { approve: 1 } })
    expect(await store.loadRun(engine.runId)).toEqual(before)

    const changed = await engine
      .run({ approve: { approved: true, note: 'changed my mind' } }, { visits: { approve: 1 } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(changed, 'ALREADY_ANSWERED')).toBe(true)
    const future = await engine
      .run({ approve: redo }, { visits: { approve: 3 } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(future, 'UNKNOWN_REQUEST')).toBe(true)
    const bad = await engine
      .run({ approve: redo }, { visits: { approve: 0 } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(bad, 'INVALID_INPUT')).toBe(true)

    await engine.run({ approve: { approved: true, note: 'ok' } }, { visits: { approve: 2 } })
    expect(engine.executionState.status).toBe('completed')
  })
})
