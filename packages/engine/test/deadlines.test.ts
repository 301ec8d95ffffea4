import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError, type RunEvent } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { requestStatuses } from './fixtures/request-statuses.js'

function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) }
}

const withDefault = defineWorkflow({
  id: 'withDefault',
  version: 1,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) =>
      requestInput({ id: 'approve', inputType: 'confirm', timeoutMs: 60_000, default: false }),
  },
})

const withoutDefault = defineWorkflow({
  id: 'withoutDefault',
  version: 1,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) => {
      try {
        return await requestInput({ id: 'approve', timeoutMs: 1_000 })
      } catch (error) {
        if (HoldpointError.is(error, 'INPUT_TIMEOUT')) return 'escalated'
        throw error
      }
    },
  },
})

describe.each(storeKinds)('durable deadlines (%s)', (kind) => {
  const stores = useStores()

  it('stores the deadline and resumes with the default once it has passed, in any process', async () => {
    const store = await stores.open(kind)
    const time = clock()
    const engine = await createHoldpoint({ workflows: [withDefault], store, now: time.now }).start(
      'withDefault',
      undefined,
    )
    await engine.run()
    const [request] = engine.executionState.awaitingInput
    expect(request?.expiresAt?.toISOString()).toBe('2026-01-01T00:01:00.000Z')
    expect(request?.default).toBe(false)

    await engine.run() // not yet due
    expect(engine.executionState.status).toBe('waiting_for_input')

    time.advance(60_000)
    const other = await createHoldpoint({ workflows: [withDefault], store, now: time.now }).load(
      engine.runId,
    )
    await other.run()
    expect(other.executionState).toMatchObject({ status: 'completed', output: false })
  })

  it('throws INPUT_TIMEOUT inside the node when there is no default', async () => {
    const store = await stores.open(kind)
    const time = clock()
    const hp = createHoldpoint({ workflows: [withoutDefault], store, now: time.now })
    const engine = await hp.start('withoutDefault', undefined)
    await engine.run()
    time.advance(1_000)
    await engine.run()
    expect(engine.executionState).toMatchObject({ status: 'completed', output: 'escalated' })
    const types = []
    for await (const event of engine.events()) types.push(event.type)
    expect(types).toContain('input_expired')
  })

  it('completes a node that catches the timeout of one request of a Promise.all', async () => {
    const workflow = defineWorkflow({
      id: 'signOff',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput }) => {
          try {
            return await Promise.all([
              requestInput({ id: 'legal', timeoutMs: 1_000 }),
              requestInput({ id: 'finance' }),
            ])
          } catch (error) {
            if (HoldpointError.is(error, 'INPUT_TIMEOUT')) return 'timed out'
            throw error
          }
        },
      },
    })
    const store = await stores.open(kind)
    const time = clock()
    const hp = createHoldpoint({ workflows: [workflow], store, now: time.now })
    const engine = await hp.start('signOff', undefined)
    await engine.run()
    time.advance(1_000)
    await engine.run()
    expect(engine.executionState).toMatchObject({
      status: 'completed',
      output: 'timed out',
      awaitingInput: [],
    })
    expect(await requestStatuses(store, engine.runId, ['legal', 'finance'])).toEqual([
      'finance closed',
      'legal expired',
    ])
    const late = await engine.run({ finance: 'ok' }).catch((e: unknown) => e)
    expect(HoldpointError.is(late, 'RUN_NOT_WAITING')).toBe(true)
    expect(engine.executionState).toMatchObject({ status: 'completed', output: 'timed out' })
  })

  it('records an expiry in the history, in its place and with what the node was given', async () => {
    const store = await stores.open(kind)
    const time = clock()
    const hp = createHoldpoint({ workflows: [withDefault, withoutDefault], store, now: time.now })
    for (const [workflow, defaulted] of [
      ['withDefault', true],
      ['withoutDefault', false],
    ] as const) {
      const engine = await hp.start(workflow, undefined)
      await engine.run()
      time.advance(120_000)
      await engine.run()
      expect(engine.executionState.status).toBe('completed')
      const events: RunEvent[] = []
      for await (const event of engine.events()) events.push(event)
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
      const types = events.map((e) => e.type)
      const expired = events[types.indexOf('input_expired')]
      expect(expired?.data).toEqual({ requestId: 'approve', node: 'ask', visit: 1, defaulted })
      expect(types.indexOf('input_expired')).toBe(types.indexOf('run_waiting') + 1)
      expect(types.indexOf('node_completed')).toBe(types.indexOf('input_expired') + 1)
    }
  })

  it('still takes an answer that arrives before the deadline is acted on', async () => {
    const store = await stores.open(kind)
    const time = clock()
    const engine = await createHoldpoint({ workflows: [withDefault], store, now: time.now }).start(
      'withDefault',
      undefined,
    )
    await engine.run()
    time.advance(120_000)
    await engine.run({ approve: true })
    expect(engine.executionState.output).toBe(true)
  })
})

describe.each(storeKinds)('a default passes through the request schema (%s)', (kind) => {
  const stores = useStores()

  it('hands the node the parsed default', async () => {
    const parsed = defineWorkflow({
      id: 'parsedDefault',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput }) =>
          requestInput({ id: 'n', timeoutMs: 10, default: '7', schema: z.coerce.number() }),
      },
    })
    const store = await stores.open(kind)
    const time = clock()
    const engine = await createHoldpoint({ workflows: [parsed], store, now: time.now }).start(
      'parsedDefault',
      undefined,
    )
    await engine.run()
    time.advance(10)
    await engine.run()
    expect(engine.executionState.output).toBe(7)
  })
})
