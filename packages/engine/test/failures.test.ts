import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

describe.each(storeKinds)('node failures (%s)', (kind) => {
  const stores = useStores()

  it('fails the run with the serialized error and resumes it with retry()', async () => {
    let attempts = 0
    const workflow = defineWorkflow({
      id: 'flaky',
      version: 1,
      start: 'call',
      nodes: {
        call: async () => {
          attempts++
          if (attempts === 1) throw new TypeError('upstream said no')
          return 'ok'
        },
        after: async ({ output }) => `after ${output.call}`,
      },
      edges: [{ from: 'call', to: 'after' }],
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start('flaky', undefined)
    await engine.run()
    expect(engine.executionState.status).toBe('failed')
    expect(engine.executionState.error).toMatchObject({
      name: 'TypeError',
      message: 'upstream said no',
    })
    expect(engine.executionState.currentNodes).toEqual(['call'])

    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await other.retry()
    expect(other.executionState).toMatchObject({
      status: 'completed',
      output: 'after ok',
      error: null,
    })
    const error = await other.retry().catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_NOT_FAILED')).toBe(true)
  })

  it('fails a node that leaves the state invalid, keeping the last valid state', async () => {
    const workflow = defineWorkflow({
      id: 'stateful',
      version: 1,
      state: z.object({ count: z.number().max(1).default(0) }),
      start: 'bump',
      nodes: {
        bump: async ({ state }) => {
          state.count += 1
        },
      },
      edges: [{ from: 'bump', to: 'bump' }],
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'stateful',
      undefined,
    )
    await engine.run()
    expect(engine.executionState.status).toBe('failed')
    expect(engine.executionState.error).toMatchObject({ code: 'INVALID_STATE' })
    expect(engine.executionState.state).toEqual({ count: 1 })
    expect((await store.loadRun(engine.runId))?.state).toEqual({ count: 1 })
  })

  it('refuses an initial state that does not fit the schema', async () => {
    const workflow = defineWorkflow({
      id: 'needsState',
      version: 1,
      state: z.object({ owner: z.string() }),
      start: 'a',
      nodes: { a: () => 1 },
    })
    const hp = createHoldpoint({ workflows: [workflow], store: await stores.open(kind) })
    const error = await hp.start('needsState', undefined).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'INVALID_INPUT')).toBe(true)
    expect(error).toMatchObject({ issues: [{ path: ['state', 'owner'] }] })
    const ok = await hp.start('needsState', undefined, { state: { owner: 'ops' } })
    expect(ok.executionState.state).toEqual({ owner: 'ops' })
  })
})

describe.each(storeKinds)('a replay that fails before the awaited request (%s)', (kind) => {
  const stores = useStores()

  it('refuses the delivery, stores nothing of it, and keeps the request open for a retry', async () => {
    let broken = false
    const workflow = defineWorkflow({
      id: 'fragile',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput }) => {
          if (broken) throw new Error('dependency down')
          return requestInput({ id: 'go' })
        },
      },
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'fragile',
      undefined,
    )
    await engine.run()
    broken = true
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    const error = await other.run({ go: 'yes' }).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_NOT_WAITING')).toBe(true)
    expect((error as Error).message).toContain('The answer was not stored: dependency down')
    expect(other.executionState.status).toBe('failed')
    expect((await store.loadRun(engine.runId))?.requests.map((r) => r.status)).toEqual(['open'])
    // Kept for retry(), the request takes no answer while the run is failed.
    expect(other.executionState.awaitingInput).toEqual([])
    broken = false
    const again = await other.run({ go: 'yes' }).catch((e: unknown) => e)
    expect(HoldpointError.is(again, 'RUN_NOT_WAITING')).toBe(true)
    expect(other.executionState.status).toBe('failed')
    expect((await store.loadRun(engine.runId))?.requests.map((r) => r.status)).toEqual(['open'])

    await other.retry()
    expect(other.executionState.status).toBe('waiting_for_input')
    await other.run({ go: 'yes' })
    expect(other.executionState).toMatchObject({ status: 'completed', output: 'yes' })
  })
})

describe.each(storeKinds)('a replay that fails under a retry policy (%s)', (kind) => {
  const stores = useStores()

  /** A run paused in `review`, whose first replay throws once; retried up to 3 times. */
  async function pausedFlakyReplay(id: string) {
    let executions = 0
    const workflow = defineWorkflow({
      id,
      version: 1,
      start: 'review',
      nodes: {
        review: {
          retry: { maxAttempts: 3, backoff: { initialMs: 1 }, jitter: 0 },
          run: async ({ requestInput }) => {
            if (++executions === 2) throw new Error('upstream 503') // the first replay
            return requestInput({ id: 'approve', schema: z.boolean() })
          },
        },
      },
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(id, undefined)
    await engine.run()
    return { workflow, engine, store, executions: () => executions }
  }

  it('runs the node again after its backoff, then takes the answer', async () => {
    const { workflow, engine, store, executions } = await pausedFlakyReplay('flakyReplay')
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await other.run({ approve: true })
    expect(other.executionState).toMatchObject({ status: 'completed', output: true })
    expect(executions()).toBe(3)
    // Retried in memory: a delivery stores nothing before its answers.
    const types: string[] = []
    for await (const event of other.events()) types.push(event.type)
    expect(types.filter((t) => t === 'node_failed' || t === 'input_received')).toEqual([
      'input_received',
    ])
  })

  it('leaves the run as it was when the answer fails its schema after a retried replay', async () => {
    const { workflow, engine, store } = await pausedFlakyReplay('flakyReplaySchema')
    const before = await store.loadRun(engine.runId)
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    const bad = await other.run({ approve: 'yes' }).catch((e: unknown) => e)
    expect(HoldpointError.is(bad, 'INVALID_INPUT')).toBe(true)
    const after = await store.loadRun(engine.runId)
    expect(after).toMatchObject({
      status: 'waiting_for_input',
      rowVersion: before?.rowVersion,
      lease: null,
      error: null,
    })
    const third = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    expect(third.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['approve'])
    await third.run({ approve: true })
    expect(third.executionState).toMatchObject({ status: 'completed', output: true })
  })

  it('fails the run when the attempts are used up, storing nothing of the answer', async () => {
    const workflow = defineWorkflow({
      id: 'brokenReplay',
      version: 1,
      start: 'review',
      nodes: {
        review: {
          retry: { maxAttempts: 2, backoff: { initialMs: 1 }, jitter: 0 },
          run: async ({ requestInput, isReplaying }) => {
            if (isReplaying) throw new Error('dependency down')
            return requestInput({ id: 'approve' })
          },
        },
      },
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'brokenReplay',
      undefined,
    )
    await engine.run()
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    const error = await other.run({ approve: 'yes' }).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_NOT_WAITING')).toBe(true)
    expect(other.executionState).toMatchObject({ status: 'failed', awaitingInput: [] })
    expect((await store.loadRun(engine.runId))?.requests.map((r) => r.status)).toEqual(['open'])
  })
})
