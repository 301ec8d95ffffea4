import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError, type Worker } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

const napper = defineWorkflow({
  id: 'napper',
  version: 1,
  start: 'nap',
  nodes: {
    nap: async ({ sleep, step }) => {
      const before = await step('before', () => Date.now())
      await sleep(300)
      return { slept: Date.now() - before >= 300 }
    },
  },
})

const deadline = defineWorkflow({
  id: 'deadline',
  version: 1,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) => {
      const fallback = await requestInput({ id: 'soft', timeoutMs: 200, default: 'defaulted' })
      try {
        await requestInput({ id: 'hard', timeoutMs: 200 })
        return { fallback, hard: 'answered' }
      } catch (error) {
        if (!HoldpointError.is(error, 'INPUT_TIMEOUT')) throw error
        return { fallback, hard: 'timed out' }
      }
    },
  },
})

async function settled(read: () => Promise<string>, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const status = await read()
    if (status === 'completed' || status === 'failed' || Date.now() > end) return status
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe.each(storeKinds)('durable timers fired by workers (%s)', (kind) => {
  const stores = useStores()
  const workers: Worker[] = []
  afterEach(async () => Promise.all(workers.splice(0).map((w) => w.stop())))

  it('fails a node that asks to wait further ahead than can be stored, as a definition error', async () => {
    const hp = createHoldpoint({
      workflows: [
        defineWorkflow({
          id: 'tooFar',
          version: 1,
          input: z.enum(['sleep', 'request']),
          start: 'wait',
          nodes: {
            wait: async ({ input, requestInput, sleep }) => {
              const ms = 101 * 365 * 24 * 60 * 60 * 1000
              try {
                if (input === 'sleep') await sleep(ms)
                else await requestInput({ id: 'late', timeoutMs: ms })
              } catch {
                return 'caught' // a definition error fails the node all the same
              }
            },
          },
        }),
      ],
      store: await stores.open(kind),
    })
    for (const input of ['sleep', 'request'] as const) {
      const engine = await hp.start('tooFar', input)
      await engine.run()
      expect(engine.executionState.status).toBe('failed')
      expect(engine.executionState.error).toMatchObject({ code: 'INVALID_DEFINITION' })
      expect(engine.executionState.error?.message).toContain('(100 years)')
    }
  })

  it('sleeps durably: the run rests with no lease and a worker wakes it', async () => {
    const store = await stores.open(kind)
    const client = createHoldpoint({ workflows: [napper], store })
    const engine = await client.start('napper', undefined)
    await engine.run()
    expect(engine.executionState).toMatchObject({ status: 'running', awaitingInput: [] })
    const resting = await store.loadRun(engine.runId)
    expect(resting?.lease).toBeNull()
    expect(resting?.wakeAt).not.toBeNull()
    await engine.run() // before the deadline: nothing happens
    expect(engine.executionState.status).toBe('running')

    workers.push(createHoldpoint({ workflows: [napper], store }).worker({ pollMs: 50 }))
    const status = await settled(
      async () => (await client.load(engine.runId)).executionState.status,
    )
    expect(status).toBe('completed')
    expect((await client.load(engine.runId)).executionState.output).toEqual({ slept: true })
  })

  it('fires request deadlines with nobody calling run(): default, then INPUT_TIMEOUT', async () => {
    const store = await stores.open(kind)
    const client = createHoldpoint({ workflows: [deadline], store })
    const engine = await client.start('deadline', undefined)
    await engine.run()
    expect(engine.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['soft'])
    workers.push(createHoldpoint({ workflows: [deadline], store }).worker({ pollMs: 50 }))
    const status = await settled(
      async () => (await client.load(engine.runId)).executionState.status,
    )
    expect(status).toBe('completed')
    expect((await client.load(engine.runId)).executionState.output).toEqual({
      fallback: 'defaulted',
      hard: 'timed out',
    })
  })
})
