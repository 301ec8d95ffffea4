import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

describe.each(storeKinds)('memoized steps (%s)', (kind) => {
  const stores = useStores()

  it('runs a step once per run, node visit and key; a replay gets the stored result', async () => {
    const calls: string[] = []
    const workflow = defineWorkflow({
      id: 'steps',
      version: 1,
      start: 'work',
      nodes: {
        work: async ({ step, requestInput, node }) => {
          const charge = await step('charge', () => {
            calls.push(`charge@${node.visit}`)
            return { id: `ch_${calls.length}`, at: new Date(0) }
          })
          await step('log', () => {
            calls.push('log')
          })
          const answer = await requestInput({ id: 'confirm' })
          return { charge, answer }
        },
      },
      edges: [{ from: 'work', to: 'work', when: ({ output }) => output.work.answer === 'again' }],
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start('steps', undefined)
    await engine.run()
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await other.run({ confirm: 'again' })
    expect(calls).toEqual(['charge@1', 'log', 'charge@2', 'log'])
    // Results are stored as JSON, so the first run and the replay see the same value.
    expect(other.executionState.state).toEqual({})
    const third = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await third.run({ confirm: 'done' })
    expect(calls).toEqual(['charge@1', 'log', 'charge@2', 'log'])
    expect(third.executionState.output).toEqual({
      charge: { id: 'ch_3', at: '1970-01-01T00:00:00.000Z' },
      answer: 'done',
    })
  })

  it('gives a replay exactly what the step returned: null stays null, nothing stays undefined', async () => {
    const seen: unknown[][] = []
    const workflow = defineWorkflow({
      id: 'nulls',
      version: 1,
      start: 'work',
      nodes: {
        work: async ({ step, requestInput }) => {
          const found = await step('lookup', () => null)
          const nothing = await step('log', () => undefined)
          const list = await step('list', () => [null, 0, ''])
          seen.push([found, nothing, list])
          return { answer: await requestInput({ id: 'go' }) }
        },
      },
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start('nulls', undefined)
    await engine.run()
    const exported = await engine.export()
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await other.run({ go: 1 })
    const copy = await createHoldpoint({
      workflows: [workflow],
      store: await stores.fresh('pglite'),
    }).import(exported)
    await copy.run({ go: 2 })
    expect(seen).toEqual([
      [null, undefined, [null, 0, '']],
      [null, undefined, [null, 0, '']],
      [null, undefined, [null, 0, '']],
    ])
  })

  it('keeps a run output of null as null, and no output as none, when read back', async () => {
    const outputs = defineWorkflow({
      id: 'outputs',
      version: 1,
      input: z.object({ returns: z.enum(['null', 'nothing']) }),
      start: 'end',
      nodes: { end: ({ input }) => (input.returns === 'null' ? null : undefined) },
    })
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [outputs], store })
    const withNull = await hp.start('outputs', { returns: 'null' })
    const withNothing = await hp.start('outputs', { returns: 'nothing' })
    await withNull.run()
    await withNothing.run()
    const exported = await withNull.export()
    const reloaded = await hp.load(withNull.runId)
    expect(reloaded.executionState.status).toBe('completed')
    expect(reloaded.executionState.output).toBeNull()
    expect((await hp.load(withNothing.runId)).executionState.output).toBeUndefined()
    const listed = await hp.list({ limit: 1000 })
    expect(listed.find((r) => r.runId === withNull.runId)?.output).toBeNull()
    expect(listed.find((r) => r.runId === withNothing.runId)?.output).toBeUndefined()
    const copy = createHoldpoint({ workflows: [outputs], store: await stores.fresh('pglite') })
    expect((await copy.import(exported)).executionState.output).toBeNull()
  })

  it('fails the node when a key is reused or a replay calls steps in another order', async () => {
    const reuse = defineWorkflow({
      id: 'reuse',
      version: 1,
      start: 'a',
      nodes: { a: async ({ step }) => [await step('k', () => 1), await step('k', () => 2)] },
    })
    const hp = createHoldpoint({ workflows: [reuse], store: await stores.open(kind) })
    const engine = await hp.start('reuse', undefined)
    await engine.run()
    expect(engine.executionState.error).toMatchObject({ code: 'STEP_KEY_REUSED' })

    const store = await stores.open(kind)
    const make = (order: string[]) =>
      defineWorkflow({
        id: 'order',
        version: 1,
        start: 'a',
        nodes: {
          a: async ({ step, requestInput }) => {
            for (const key of order) await step(key, () => key)
            return requestInput({ id: 'go' })
          },
        },
      })
    const first = await createHoldpoint({ workflows: [make(['x', 'y'])], store }).start(
      'order',
      undefined,
    )
    await first.run()
    const swapped = await createHoldpoint({ workflows: [make(['y', 'x'])], store }).load(
      first.runId,
    )
    const refused = await swapped.run({ go: 1 }).catch((e: unknown) => e)
    expect(HoldpointError.is(refused, 'RUN_NOT_WAITING')).toBe(true)
    expect(swapped.executionState.error).toMatchObject({ code: 'NONDETERMINISM' })
  })

  it('refuses a step result that is not JSON', async () => {
    const workflow = defineWorkflow({
      id: 'nojson',
      version: 1,
      start: 'a',
      nodes: { a: async ({ step }) => step('fn', () => ({ f: () => 1 })) },
    })
    const hp = createHoldpoint({ workflows: [workflow], store: await stores.open(kind) })
    const engine = await hp.start('nojson', undefined)
    await engine.run()
    expect(engine.executionState.error).toMatchObject({ code: 'NOT_SERIALIZABLE' })
  })
})

describe.each(storeKinds)('steps and retry (%s)', (kind) => {
  const stores = useStores()

  it('does not repeat a stored effect when the same engine retries the failed node', async () => {
    let effects = 0
    let attempts = 0
    const flaky = defineWorkflow({
      id: 'flakyEffect',
      version: 1,
      start: 'work',
      nodes: {
        work: async (ctx) => {
          await ctx.step('effect', () => ++effects)
          if (++attempts === 1) throw new Error('transient')
          return 'done'
        },
      },
    })
    const hp = createHoldpoint({ workflows: [flaky], store: await stores.open(kind) })
    const engine = await hp.start('flakyEffect', undefined)
    await engine.run()
    expect(engine.executionState.status).toBe('failed')
    await engine.retry()
    expect(engine.executionState).toMatchObject({ status: 'completed', output: 'done' })
    expect(effects).toBe(1)
  })
})

describe.each(storeKinds)('steps of an execution this process dropped (%s)', (kind) => {
  const stores = useStores()

  const notify = (effects: { count: number }) =>
    defineWorkflow({
      id: 'notifyThenAsk',
      version: 1,
      start: 'review',
      nodes: {
        review: async ({ step, requestInput }) => {
          await step('notify', () => ++effects.count)
          return requestInput({ id: 'approve', schema: z.boolean() })
        },
      },
    })

  it('replays a stored step after a background delivery, when this process carries on the run', async () => {
    const effects = { count: 0 }
    const hp = createHoldpoint({ workflows: [notify(effects)], store: await stores.open(kind) })
    const engine = await hp.start('notifyThenAsk', undefined)
    await engine.run()
    await hp.deliver(engine.runId, { approve: true }, { background: true })
    const again = await hp.load(engine.runId)
    await again.run()
    expect(again.executionState).toMatchObject({ status: 'completed', output: true })
    expect(effects.count).toBe(1)
  })

  it('replays a stored step for a run that was dropped from memory (liveRuns)', async () => {
    const effects = { count: 0 }
    const hp = createHoldpoint({
      workflows: [notify(effects)],
      store: await stores.open(kind),
      liveRuns: 1,
    })
    const first = await hp.start('notifyThenAsk', undefined)
    await first.run()
    const second = await hp.start('notifyThenAsk', undefined) // `first` is no longer held
    await second.run()
    expect(effects.count).toBe(2)
    await first.run({ approve: true })
    expect(first.executionState).toMatchObject({ status: 'completed', output: true })
    expect(effects.count).toBe(2)
  })
})
