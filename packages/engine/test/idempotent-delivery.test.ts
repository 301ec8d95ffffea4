import { beforeEach, describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'
import { storedRun } from './fixtures/snapshot.js'

describe.each(storeKinds)('delivering twice (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('treats the same answer delivered twice as one', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'twice' })
    await engine.run()
    const answer = { approved: true, note: 'ok' }
    await engine.run({ approve: answer })
    const after = await storedRun(store, engine.runId)

    await engine.run({ approve: { note: 'ok', approved: true } }) // same value, other key order
    const elsewhere = await createHoldpoint({ workflows: [approval], store }).load(engine.runId)
    await elsewhere.run({ approve: answer })

    expect(await storedRun(store, engine.runId)).toEqual(after)
    expect(counts).toMatchObject({ reviewAfter: 1, publish: 1 })
  })

  it('refuses a different answer to an answered request', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'change' })
    await engine.run()
    await engine.run({ approve: { approved: true, note: 'ok' } })
    const after = await storedRun(store, engine.runId)
    const error = await engine
      .run({ approve: { approved: false, note: 'no' } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'ALREADY_ANSWERED')).toBe(true)
    expect(error).toMatchObject({ requestId: 'approve', answer: { approved: true, note: 'ok' } })
    expect(await storedRun(store, engine.runId)).toEqual(after)
  })

  it('lets exactly one of two concurrent deliveries resume the run', async () => {
    const store = await stores.open(kind)
    const starter = createHoldpoint({ workflows: [approval], store })
    const engine = await starter.start('approval', { topic: 'race' })
    await engine.run()
    resetCounts()

    // Two Holdpoints stand in for two processes; each replays the node, then both deliver.
    const [a, b] = await Promise.all([
      createHoldpoint({ workflows: [approval], store }).load(engine.runId),
      createHoldpoint({ workflows: [approval], store }).load(engine.runId),
    ])
    const answer = { approve: { approved: true, note: 'ok' } }
    const results = await Promise.allSettled([a.run(answer), b.run(answer)])

    for (const result of results) {
      if (result.status === 'rejected') {
        expect(HoldpointError.is(result.reason, 'CONCURRENT_MODIFICATION')).toBe(true)
      }
    }
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true)
    expect(counts.reviewAfter).toBe(1)
    expect(counts.publish).toBe(1)
    const final = await starter.load(engine.runId)
    expect(final.executionState.status).toBe('completed')
    const received = []
    for await (const event of final.events())
      if (event.type === 'input_received') received.push(event)
    expect(received).toHaveLength(1)
  })

  it('lets exactly one of two different concurrent answers win', async () => {
    const store = await stores.open(kind)
    const starter = createHoldpoint({ workflows: [approval], store })
    const engine = await starter.start('approval', { topic: 'conflict' })
    await engine.run()
    resetCounts()
    const [a, b] = await Promise.all([
      createHoldpoint({ workflows: [approval], store }).load(engine.runId),
      createHoldpoint({ workflows: [approval], store }).load(engine.runId),
    ])
    const results = await Promise.allSettled([
      a.run({ approve: { approved: true, note: 'yes' } }),
      b.run({ approve: { approved: true, note: 'also yes' } }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const loser = results.find((r) => r.status === 'rejected')
    expect(
      HoldpointError.is(loser?.reason, 'CONCURRENT_MODIFICATION') ||
        HoldpointError.is(loser?.reason, 'ALREADY_ANSWERED'),
    ).toBe(true)
    expect(counts.reviewAfter).toBe(1)
    const final = await starter.load(engine.runId)
    expect(['yes', 'also yes']).toContain((final.executionState.output as { note: string }).note)
  })
})
