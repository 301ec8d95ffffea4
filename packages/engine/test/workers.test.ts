import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createHoldpoint,
  defineWorkflow,
  type Holdpoint,
  type Store,
  type Worker,
} from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

const executions = new Map<string, number>()
const counted = defineWorkflow({
  id: 'counted',
  version: 1,
  input: z.object({ n: z.number() }),
  start: 'work',
  nodes: {
    work: async ({ input, runId }) => {
      executions.set(runId, (executions.get(runId) ?? 0) + 1)
      await new Promise((resolve) => setTimeout(resolve, 5))
      return input.n * 2
    },
    ask: async ({ requestInput, output }) => {
      const answer = await requestInput({ id: 'confirm', schema: z.boolean() })
      return { doubled: output.work, answer }
    },
  },
  edges: [{ from: 'work', to: 'ask' }],
})

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe.each(storeKinds)('workers (%s)', (kind) => {
  const stores = useStores()
  const workers: Worker[] = []
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()))
  })
  const holdpoint = (store: Store, leaseMs = 30_000): Holdpoint =>
    createHoldpoint({ workflows: [counted], store, leaseMs })
  function worker(hp: Holdpoint, concurrency = 4): Worker {
    const w = hp.worker({ concurrency, pollMs: 50 })
    workers.push(w)
    return w
  }

  it('run background starts and background answers to their next halt', async () => {
    const store = await stores.open(kind)
    const client = holdpoint(store)
    const engines = await Promise.all(
      [1, 2, 3].map((n) => client.start('counted', { n }, { background: true })),
    )
    const w = worker(holdpoint(store))
    await until(async () => {
      const waiting = await client.list({ status: 'waiting_for_input', workflow: 'counted' })
      return engines.every((e) => waiting.some((r) => r.runId === e.runId))
    })
    for (const engine of engines) {
      const fresh = await client.load(engine.runId)
      await fresh.run({ confirm: true }, { background: true })
      expect(fresh.executionState.status).toBe('running') // handed over, not run here
    }
    await until(async () => {
      const done = await client.list({ status: 'completed', workflow: 'counted' })
      return engines.every((e) => done.some((r) => r.runId === e.runId))
    })
    for (const engine of engines) {
      const state = (await client.load(engine.runId)).executionState
      expect(state.output).toMatchObject({ answer: true })
      expect(executions.get(engine.runId)).toBe(1)
    }
    expect(w.stats.claimed).toBeGreaterThanOrEqual(6)
  })

  it('takes an answer on the engine that started the run, after a worker moved it on', async () => {
    const store = await stores.open(kind)
    const client = holdpoint(store)
    const engine = await client.start('counted', { n: 5 }, { background: true })
    worker(holdpoint(store))
    await until(async () =>
      (await client.list({ status: 'waiting_for_input', workflow: 'counted' })).some(
        (r) => r.runId === engine.runId,
      ),
    )
    // This engine still sees the run as it started it: running, asking nothing.
    expect(engine.executionState.status).toBe('running')
    await engine.run({ confirm: true })
    expect(engine.executionState).toMatchObject({
      status: 'completed',
      output: { doubled: 10, answer: true },
    })
    expect(executions.get(engine.runId)).toBe(1)
  })

  it('never lets two workers execute one run: each node body runs once', async () => {
    const store = await stores.open(kind)
    const client = holdpoint(store)
    const ids: string[] = []
    for (let n = 0; n < 30; n++)
      ids.push((await client.start('counted', { n }, { background: true })).runId)
    worker(holdpoint(store), 3)
    worker(holdpoint(store), 3)
    await until(async () => {
      const waiting = await client.list({
        status: 'waiting_for_input',
        workflow: 'counted',
        limit: 1000,
      })
      return ids.every((id) => waiting.some((r) => r.runId === id))
    })
    for (const id of ids) expect(executions.get(id), id).toBe(1)
  })

  it('takes over a run once the lease of the process that started it has run out', async () => {
    const store = await stores.open(kind)
    const starter = holdpoint(store, 300)
    const abandoned = await starter.start('counted', { n: 21 }) // leased to starter, never run
    worker(holdpoint(store))
    await until(
      async () =>
        (await starter.load(abandoned.runId)).executionState.status === 'waiting_for_input',
    )
    expect((await starter.load(abandoned.runId)).executionState.awaitingInput[0]?.requestId).toBe(
      'confirm',
    )
  })

  it('stops claiming on stop() and lets in-flight runs reach their halt', async () => {
    const store = await stores.open(kind)
    const client = holdpoint(store)
    const w = worker(holdpoint(store), 2)
    const engine = await client.start('counted', { n: 5 }, { background: true })
    await until(async () => w.stats.claimed > 0)
    await w.stop()
    const state = (await client.load(engine.runId)).executionState
    expect(state.status).toBe('waiting_for_input')
    const later = await client.start('counted', { n: 6 }, { background: true })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const unclaimed = await client.load(later.runId)
    expect(unclaimed.executionState.status).toBe('running')
    await unclaimed.cancel() // leave nothing runnable for the next test
  })

  it('claims only the workflow versions it registers', async () => {
    const store = await stores.open(kind)
    const v2 = defineWorkflow({
      id: 'counted',
      version: 2,
      start: 'only',
      nodes: { only: () => 'v2' },
    })
    const client = createHoldpoint({ workflows: [counted, v2], store })
    const engine = await client.start('counted', undefined, { version: 2, background: true })
    const v1Only = worker(holdpoint(store))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(v1Only.stats.claimed).toBe(0)
    expect((await store.loadRun(engine.runId))?.lease).toBeNull()
    workers.push(createHoldpoint({ workflows: [v2], store }).worker({ pollMs: 50 }))
    await until(async () => (await client.load(engine.runId)).executionState.status === 'completed')
  })

  it('takes a running run handed over with run(undefined, { background: true })', async () => {
    const store = await stores.open(kind)
    const client = holdpoint(store)
    const engine = await client.start('counted', { n: 4 }) // leased to this process
    await engine.run(undefined, { background: true })
    expect((await store.loadRun(engine.runId))?.lease).toBeNull()
    worker(holdpoint(store))
    await until(
      async () => (await client.load(engine.runId)).executionState.status === 'waiting_for_input',
    )
    expect(executions.get(engine.runId)).toBe(1)
  })
})
