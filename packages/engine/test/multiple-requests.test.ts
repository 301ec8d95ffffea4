import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { parallel } from './fixtures/parallel.js'
import { requestStatuses } from './fixtures/request-statuses.js'

const form = defineWorkflow({
  id: 'form',
  version: 1,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) => {
      const name = await requestInput({ id: 'name_field', prompt: 'Name?' })
      const age = await requestInput({ id: 'age_field', prompt: 'Age?', schema: z.number().int() })
      return { name, age }
    },
  },
})

const unnamed = defineWorkflow({
  id: 'unnamed',
  version: 1,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) => [
      await requestInput(),
      await requestInput(),
      await requestInput(),
    ],
  },
})

describe.each(storeKinds)('several requests in one node (%s)', (kind) => {
  const stores = useStores()

  it('pauses on sequential awaits one at a time', async () => {
    const hp = createHoldpoint({ workflows: [form], store: await stores.open(kind) })
    const engine = await hp.start('form', undefined)
    await engine.run()
    expect(engine.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['name_field'])
    await engine.run({ name_field: 'Alice' })
    expect(engine.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['age_field'])
    await engine.run({ age_field: 30 })
    expect(engine.executionState.output).toEqual({ name: 'Alice', age: 30 })
  })

  it('pauses on all requests of a Promise.all and takes their answers in one call', async () => {
    const hp = createHoldpoint({ workflows: [parallel], store: await stores.open(kind) })
    const engine = await hp.start('parallel', undefined)
    await engine.run()
    expect(engine.executionState.awaitingInput.map((r) => r.requestId).sort()).toEqual(['a', 'b'])
    await engine.run({ a: 1, b: 2 })
    expect(engine.executionState.output).toEqual({ a: 1, b: 2 })
  })

  it('keeps waiting when only some of the Promise.all requests are answered', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [parallel], store })
    const engine = await hp.start('parallel', undefined)
    await engine.run()
    await engine.run({ b: 'second' })
    expect(engine.executionState.status).toBe('waiting_for_input')
    expect(engine.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['a'])
    const other = await createHoldpoint({ workflows: [parallel], store }).load(engine.runId)
    expect(other.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['a'])
    await other.run({ a: 'first' })
    expect(other.executionState.output).toEqual({ a: 'first', b: 'second' })
  })

  it('names requests without ids node, node#2, node#3', async () => {
    const hp = createHoldpoint({ workflows: [unnamed], store: await stores.open(kind) })
    const engine = await hp.start('unnamed', undefined)
    await engine.run()
    expect(engine.executionState.awaitingInput[0]?.requestId).toBe('ask')
    await engine.run({ ask: 'one' })
    expect(engine.executionState.awaitingInput[0]?.requestId).toBe('ask#2')
    await engine.run({ 'ask#2': 'two' })
    await engine.run({ 'ask#3': 'three' })
    expect(engine.executionState.output).toEqual(['one', 'two', 'three'])
  })

  it('fails the run with NONDETERMINISM when a replay asks in another order', async () => {
    const store = await stores.open(kind)
    const v1 = createHoldpoint({ workflows: [form], store })
    const engine = await v1.start('form', undefined)
    await engine.run()
    await engine.run({ name_field: 'Alice' })

    // The same version, deployed with the requests swapped.
    const swapped = defineWorkflow({
      id: 'form',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput }) => {
          const age = await requestInput({ id: 'age_field' })
          const name = await requestInput({ id: 'name_field' })
          return { name, age }
        },
      },
    })
    const resumed = await createHoldpoint({ workflows: [swapped], store }).load(engine.runId)
    const refused = await resumed.run({ age_field: 30 }).catch((e: unknown) => e)
    expect(HoldpointError.is(refused, 'RUN_NOT_WAITING')).toBe(true)
    expect(HoldpointError.is((refused as Error).cause, 'NONDETERMINISM')).toBe(true)
    expect(resumed.executionState.status).toBe('failed')
    expect(resumed.executionState.error).toMatchObject({ code: 'NONDETERMINISM' })
    expect(resumed.executionState.error?.message).toContain('name_field')
  })

  it('refuses one request id asked twice in a visit', async () => {
    const twice = defineWorkflow({
      id: 'twice',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput }) => {
          await requestInput({ id: 'x' })
          return requestInput({ id: 'x' }).catch((error: unknown) => {
            // Even a caught error fails the node: the mistake is in the code, not the data.
            expect(HoldpointError.is(error, 'INVALID_DEFINITION')).toBe(true)
            return 'swallowed'
          })
        },
      },
    })
    const hp = createHoldpoint({ workflows: [twice], store: await stores.open(kind) })
    const engine = await hp.start('twice', undefined)
    await engine.run()
    await engine.run({ x: 1 })
    expect(engine.executionState.status).toBe('failed')
    expect(engine.executionState.error).toMatchObject({ code: 'INVALID_DEFINITION' })
  })
})

describe.each(storeKinds)('a node that goes on without some of its requests (%s)', (kind) => {
  const stores = useStores()

  const firstAnswer = defineWorkflow({
    id: 'firstAnswer',
    version: 1,
    start: 'ask',
    nodes: {
      ask: async ({ requestInput }) =>
        Promise.race([requestInput({ id: 'alice' }), requestInput({ id: 'bob' })]),
    },
  })

  it('completes on the first answer of a Promise.race and closes the other request', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [firstAnswer], store })
    const engine = await hp.start('firstAnswer', undefined)
    await engine.run()
    expect(engine.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['alice', 'bob'])
    await engine.run({ alice: 'yes' })
    expect(engine.executionState).toMatchObject({
      status: 'completed',
      output: 'yes',
      awaitingInput: [],
    })
    expect(await requestStatuses(store, engine.runId, ['alice', 'bob'])).toEqual([
      'alice answered',
      'bob closed',
    ])
    const late = await hp.deliver(engine.runId, { bob: 'no' }).catch((e: unknown) => e)
    expect(HoldpointError.is(late, 'RUN_NOT_WAITING')).toBe(true)
    expect((await hp.load(engine.runId)).executionState).toMatchObject({
      status: 'completed',
      output: 'yes',
    })
  })

  it('completes when the body goes on to a step after the first answer of a race', async () => {
    const slow = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const raceThenStep = defineWorkflow({
      id: 'raceThenStep',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput, sleep, step }) => {
          const first = await Promise.race([
            requestInput({ id: 'alice' }),
            sleep(3_600_000).then(() => 'nobody'),
          ])
          await step('record', async () => {
            await slow(20)
            return first
          })
          return first
        },
      },
    })
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [raceThenStep], store })
    const engine = await hp.start('raceThenStep', undefined)
    await engine.run()
    expect(engine.executionState.status).toBe('waiting_for_input')
    await engine.run({ alice: 'yes' })
    expect(engine.executionState).toMatchObject({ status: 'completed', output: 'yes' })
  })

  it('completes the same way when another process takes the answer', async () => {
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [firstAnswer], store }).start(
      'firstAnswer',
      undefined,
    )
    await engine.run()
    const other = await createHoldpoint({ workflows: [firstAnswer], store }).load(engine.runId)
    await other.run({ bob: 'no' })
    expect(other.executionState).toMatchObject({ status: 'completed', output: 'no' })
    expect(await requestStatuses(store, engine.runId, ['alice', 'bob'])).toEqual([
      'alice closed',
      'bob answered',
    ])
  })
})
