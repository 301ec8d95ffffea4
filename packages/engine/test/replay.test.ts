import { beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'

// A second Holdpoint over the same store stands in for another process: it has no paused node in
// memory, so it must replay. Real OS processes are exercised in test/cross-process.test.ts.
describe.each(storeKinds)('replay on resume elsewhere (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('re-runs the interrupted node from its start; earlier nodes and steps never re-run', async () => {
    const store = await stores.open(kind)
    const first = createHoldpoint({ workflows: [approval], store })
    const engine = await first.start('approval', { topic: 'replay' })
    await engine.run()
    expect(counts).toMatchObject({ draft: 1, reviewBefore: 1, notify: 1 })

    const second = createHoldpoint({ workflows: [approval], store })
    const resumed = await second.load(engine.runId)
    expect(resumed).not.toBe(engine)
    await resumed.run({ approve: { approved: true, note: 'ok' } })

    expect(resumed.executionState.output).toEqual({
      status: 'approved',
      draft: 'Draft for replay',
      note: 'ok',
    })
    expect(counts).toEqual({ draft: 1, reviewBefore: 2, reviewAfter: 1, publish: 1, notify: 1 })
  })

  it('tells the node it is replaying until it passes the recorded requests', async () => {
    const seen: Array<[string, boolean]> = []
    const workflow = defineWorkflow({
      id: 'replaying',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async (ctx) => {
          seen.push(['before', ctx.isReplaying])
          const first = await ctx.requestInput({ id: 'first' })
          seen.push(['between', ctx.isReplaying])
          const second = await ctx.requestInput({ id: 'second' })
          seen.push(['after', ctx.isReplaying])
          return [first, second]
        },
      },
    })
    const store = await stores.open(kind)
    const a = createHoldpoint({ workflows: [workflow], store })
    const engine = await a.start('replaying', undefined)
    await engine.run()
    await engine.run({ first: 1 })
    expect(seen).toEqual([
      ['before', false],
      ['between', false],
    ])

    seen.length = 0
    const b = createHoldpoint({ workflows: [workflow], store })
    const resumed = await b.load(engine.runId)
    await resumed.run({ second: 2 })
    expect(seen).toEqual([
      ['before', true],
      ['between', true],
      ['after', false],
    ])
    expect(resumed.executionState.output).toEqual([1, 2])
  })

  it('hands a replay the answers parsed by their schema again', async () => {
    const workflow = defineWorkflow({
      id: 'parsed',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput }) => {
          const n = await requestInput({ id: 'n', schema: z.coerce.number().int() })
          const m = await requestInput({ id: 'm', schema: z.coerce.number().int() })
          return n + m
        },
      },
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'parsed',
      undefined,
    )
    await engine.run()
    await engine.run({ n: '40' })
    const resumed = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await resumed.run({ m: '2' })
    expect(resumed.executionState.output).toBe(42)
  })
})

describe.each(storeKinds)('a stale engine (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('sees what another process did after refresh(), and drops its paused node', async () => {
    const store = await stores.open(kind)
    const mine = await createHoldpoint({ workflows: [approval], store }).start('approval', {
      topic: 'stale',
    })
    await mine.run()
    const theirs = await createHoldpoint({ workflows: [approval], store }).load(mine.runId)
    await theirs.run({ approve: { approved: true, note: 'theirs' } })

    expect(mine.executionState.status).toBe('waiting_for_input') // as this engine last saw it
    await mine.refresh()
    expect(mine.executionState).toMatchObject({ status: 'completed', output: { note: 'theirs' } })
    await mine.run({ approve: { approved: true, note: 'theirs' } }) // a repeat: nothing happens
    expect(counts).toMatchObject({ reviewAfter: 1, publish: 1 })
  })

  it('refuses a different answer from a stale engine without running anything', async () => {
    const store = await stores.open(kind)
    const mine = await createHoldpoint({ workflows: [approval], store }).start('approval', {
      topic: 'stale2',
    })
    await mine.run()
    const theirs = await createHoldpoint({ workflows: [approval], store }).load(mine.runId)
    await theirs.run({ approve: { approved: true, note: 'theirs' } })
    const error = await mine
      .run({ approve: { approved: true, note: 'mine' } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'ALREADY_ANSWERED')).toBe(true)
    expect(counts).toMatchObject({ reviewAfter: 1, publish: 1 })
    expect(mine.executionState.status).toBe('completed')
  })
})
