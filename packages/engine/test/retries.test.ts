import { describe, expect, it } from 'vitest'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { retryDelay } from '../src/runtime/retry-policy.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

describe('retryDelay', () => {
  it('grows by the factor up to the cap, spread by the jitter', () => {
    const policy = {
      maxAttempts: 10,
      backoff: { initialMs: 100, factor: 3, maxMs: 1000 },
      jitter: 0,
    }
    expect([1, 2, 3, 4].map((attempt) => retryDelay(policy, attempt))).toEqual([
      100, 300, 900, 1000,
    ])
    const jittered = { ...policy, jitter: 0.5 }
    expect(retryDelay(jittered, 1, () => 0)).toBe(50)
    expect(retryDelay(jittered, 1, () => 1)).toBe(150)
  })
})

describe.each(storeKinds)('retry policies (%s)', (kind) => {
  const stores = useStores()

  it('runs a failing node again after a backoff, keeping stored effects, until it succeeds', async () => {
    let attempts = 0
    let effects = 0
    const flaky = defineWorkflow({
      id: 'flakyRetry',
      version: 1,
      start: 'call',
      nodes: {
        call: {
          retry: { maxAttempts: 4, backoff: { initialMs: 10, factor: 2 }, jitter: 0 },
          run: async ({ step }) => {
            await step('charge', () => ++effects)
            if (++attempts < 3) throw new Error(`upstream 503 (attempt ${attempts})`)
            return 'paid'
          },
        },
      },
    })
    const hp = createHoldpoint({ workflows: [flaky], store: await stores.open(kind) })
    const engine = await hp.start('flakyRetry', undefined)
    await engine.run()
    expect(engine.executionState).toMatchObject({
      status: 'completed',
      output: 'paid',
      error: null,
    })
    expect({ attempts, effects }).toEqual({ attempts: 3, effects: 1 })
    const failures = []
    for await (const event of engine.events())
      if (event.type === 'node_failed') failures.push(event.data)
    expect(failures).toEqual([
      expect.objectContaining({
        attempt: 1,
        retryInMs: 10,
        error: expect.objectContaining({ message: 'upstream 503 (attempt 1)' }),
      }),
      expect.objectContaining({
        attempt: 2,
        retryInMs: 20,
        error: expect.objectContaining({ message: 'upstream 503 (attempt 2)' }),
      }),
    ])
  })

  it('fails the run when the attempts are used up, and retry() starts a new round', async () => {
    let attempts = 0
    const broken = defineWorkflow({
      id: 'brokenRetry',
      version: 1,
      start: 'call',
      nodes: {
        call: {
          retry: { maxAttempts: 2, backoff: { initialMs: 1 } },
          run: () => {
            attempts++
            if (attempts < 4) throw new Error('still down')
            return 'up'
          },
        },
      },
    })
    const hp = createHoldpoint({ workflows: [broken], store: await stores.open(kind) })
    const engine = await hp.start('brokenRetry', undefined)
    await engine.run()
    expect(engine.executionState).toMatchObject({
      status: 'failed',
      error: { message: 'still down' },
    })
    expect(attempts).toBe(2)
    await engine.retry()
    expect(engine.executionState).toMatchObject({ status: 'completed', output: 'up' })
    expect(attempts).toBe(4)
  })

  it('does not retry errors that another attempt would only repeat', async () => {
    let attempts = 0
    const nondeterministic = defineWorkflow({
      id: 'noRetry',
      version: 1,
      start: 'a',
      nodes: {
        a: {
          retry: { maxAttempts: 5, backoff: { initialMs: 1 } },
          run: async ({ step }) => {
            attempts++
            await step('same', () => 1)
            return step('same', () => 2)
          },
        },
      },
    })
    const hp = createHoldpoint({ workflows: [nondeterministic], store: await stores.open(kind) })
    const engine = await hp.start('noRetry', undefined)
    await engine.run()
    expect(engine.executionState.error).toMatchObject({ code: 'STEP_KEY_REUSED' })
    expect(attempts).toBe(1)
  })

  it('refuses a malformed policy at definition time', () => {
    const define = (retry: object) => () =>
      defineWorkflow({
        id: 'bad',
        version: 1,
        start: 'a',
        nodes: { a: { run: () => 1, retry: retry as never } },
      })
    expect(define({ maxAttempts: 0 })).toThrow(/maxAttempts/)
    expect(define({ maxAttempts: 2, jitter: 2 })).toThrow(/jitter/)
    try {
      define({ maxAttempts: -1 })()
    } catch (error) {
      expect(HoldpointError.is(error, 'INVALID_DEFINITION')).toBe(true)
    }
  })
})
