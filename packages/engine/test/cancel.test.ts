import { describe, expect, it } from 'vitest'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

/** A promise opened from outside: `opened` resolves once `open()` is called. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { open, opened }
}

describe.each(storeKinds)('cancel (%s)', (kind) => {
  const stores = useStores()

  it('ends a waiting run and closes its requests', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'cancel' })
    await engine.run()
    await engine.cancel('no longer needed')

    expect(engine.executionState.status).toBe('cancelled')
    expect(engine.executionState.awaitingInput).toEqual([])
    const stored = await store.loadRun(engine.runId)
    expect(stored?.status).toBe('cancelled')
    const [request] = await store.findClosedRequests(engine.runId, ['approve'])
    expect(request?.status).toBe('closed')
    const error = await engine
      .run({ approve: { approved: true, note: 'late' } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_NOT_WAITING')).toBe(true)
    const last = []
    for await (const event of engine.events()) last.push(event)
    expect(last.at(-1)).toMatchObject({
      type: 'run_cancelled',
      data: { reason: 'no longer needed' },
    })
  })

  it('shows no request of a node that asked after another process cancelled the run', async () => {
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    let reached!: () => void
    const running = new Promise<void>((resolve) => (reached = resolve))
    const workflow = defineWorkflow({
      id: 'late-ask',
      version: 1,
      start: 'ask',
      nodes: {
        ask: async ({ requestInput }) => {
          reached()
          await gate
          return requestInput({ id: 'late' })
        },
      },
    })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'late-ask',
      undefined,
    )
    const run = engine.run()
    await running
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await other.cancel('changed our minds')
    open()
    await run.catch(() => {})
    expect(engine.executionState.status).toBe('cancelled')
    expect(engine.executionState.awaitingInput).toEqual([])
    expect((await store.loadRun(engine.runId))?.requests).toEqual([])
  })

  it('aborts the signal of the node waiting in this process and rejects its request', async () => {
    let signal: AbortSignal | undefined
    let seen: unknown
    const workflow = defineWorkflow({
      id: 'watch',
      version: 1,
      start: 'wait',
      nodes: {
        wait: async (ctx) => {
          signal = ctx.signal
          try {
            return await ctx.requestInput({ id: 'go' })
          } catch (error) {
            seen = error
            throw error
          }
        },
      },
    })
    const hp = createHoldpoint({ workflows: [workflow], store: await stores.open(kind) })
    const engine = await hp.start('watch', undefined)
    await engine.run()
    expect(signal?.aborted).toBe(false)
    await engine.cancel()
    expect(signal?.aborted).toBe(true)
    await Promise.resolve()
    expect(HoldpointError.is(seen, 'RUN_CANCELLED')).toBe(true)
  })

  it('gives a node that first reads its signal after the cancel an aborted one', async () => {
    let readSignal!: () => AbortSignal
    const workflow = defineWorkflow({
      id: 'late-reader',
      version: 1,
      start: 'wait',
      nodes: {
        wait: async (ctx) => {
          readSignal = () => ctx.signal
          return ctx.requestInput({ id: 'go' })
        },
      },
    })
    const hp = createHoldpoint({ workflows: [workflow], store: await stores.open(kind) })
    const engine = await hp.start('late-reader', undefined)
    await engine.run()
    await engine.cancel('no longer needed')
    const signal = readSignal()
    expect(signal.aborted).toBe(true)
    expect(HoldpointError.is(signal.reason, 'RUN_CANCELLED')).toBe(true)
  })

  it('cancels from another process while a node is running, and the run stays cancelled', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const workflow = defineWorkflow({
      id: 'slow',
      version: 1,
      start: 'work',
      nodes: { work: async () => gate.then(() => 'done'), after: async () => 'after' },
      edges: [{ from: 'work', to: 'after' }],
    })
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [workflow], store })
    const engine = await hp.start('slow', undefined)
    const running = engine.run()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await (
      await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    ).cancel('stop')
    release()
    await running
    expect((await store.loadRun(engine.runId))?.status).toBe('cancelled')
    expect(engine.executionState.status).toBe('cancelled')
  })

  it.each(['completion', 'cancel'] as const)(
    'cancels in the same process while a node completes (the %s lands first)',
    async (first) => {
      const workflow = defineWorkflow({
        id: 'two-steps',
        version: 1,
        start: 'first',
        nodes: {
          first: () => 'done',
          second: async ({ signal }) => {
            await new Promise((resolve) => signal.addEventListener('abort', resolve))
            return 'unreachable'
          },
        },
        edges: [{ from: 'first', to: 'second' }],
      })
      const store = await stores.open(kind)
      // The first node's completion waits until the cancel's write, built on the same row version,
      // reaches the store; then one of them lands before the other is sent.
      const reachedStore = gate()
      const released = gate()
      let completion: Promise<boolean> | undefined
      const checkpoint = store.checkpoint.bind(store)
      store.checkpoint = (cp) => {
        const type = cp.events[0]?.type
        if (type === 'node_completed' && completion === undefined) {
          reachedStore.open()
          completion = released.opened.then(() => checkpoint(cp))
          return completion
        }
        if (type === 'run_cancelled' && completion !== undefined) {
          if (first === 'completion') {
            released.open()
            return completion.then(() => checkpoint(cp))
          }
          const cancelled = checkpoint(cp)
          void cancelled.then(() => released.open())
          return cancelled
        }
        return checkpoint(cp)
      }
      const engine = await createHoldpoint({ workflows: [workflow], store }).start(
        'two-steps',
        undefined,
      )
      const running = engine.run()
      await reachedStore.opened
      const cancelling = engine.cancel('stop')
      released.open()
      const [ran, cancelled] = await Promise.all([running, cancelling])

      expect(cancelled.status).toBe('cancelled')
      expect(ran.status).toBe('cancelled')
      expect((await store.loadRun(engine.runId))?.status).toBe('cancelled')
    },
  )

  it('keeps its progress when a reload reads the run just before its next checkpoint lands', async () => {
    let secondRuns = 0
    const workflow = defineWorkflow({
      id: 'three-steps',
      version: 1,
      start: 'first',
      nodes: {
        first: () => 'a',
        second: () => {
          secondRuns++
          return 'b'
        },
        third: async ({ signal }) => {
          await new Promise((resolve) => signal.addEventListener('abort', resolve))
          return 'unreachable'
        },
      },
      edges: [
        { from: 'first', to: 'second' },
        { from: 'second', to: 'third' },
      ],
    })
    const store = await stores.open(kind)
    // The cancel loses to `first`'s completion and reloads the run; that read is taken before
    // `second`'s completion commits, and answered after it.
    const firstHeld = gate()
    const firstReleased = gate()
    const readTaken = gate()
    const secondLanded = gate()
    let firstCompletion: Promise<boolean> | undefined
    let cancelLost = false
    const checkpoint = store.checkpoint.bind(store)
    store.checkpoint = (cp) => {
      const [event] = cp.events
      const node = event?.type === 'node_completed' ? event.data.node : undefined
      if (node === 'first' && firstCompletion === undefined) {
        firstHeld.open()
        firstCompletion = firstReleased.opened.then(() => checkpoint(cp))
        return firstCompletion
      }
      if (event?.type === 'run_cancelled' && firstCompletion !== undefined && !cancelLost) {
        firstReleased.open()
        return firstCompletion
          .then(() => checkpoint(cp))
          .then((written) => {
            cancelLost = !written
            return written
          })
      }
      if (node === 'second') {
        return readTaken.opened
          .then(() => checkpoint(cp))
          .then((written) => {
            setTimeout(() => secondLanded.open(), 5)
            return written
          })
      }
      return checkpoint(cp)
    }
    const loadRun = store.loadRun.bind(store)
    let delayed = false
    store.loadRun = async (id) => {
      if (!cancelLost || delayed) return loadRun(id)
      delayed = true
      const run = await loadRun(id)
      readTaken.open()
      await secondLanded.opened
      return run
    }
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'three-steps',
      undefined,
    )
    const running = engine.run()
    await firstHeld.opened
    const cancelling = engine.cancel('stop')
    const [ran, cancelled] = await Promise.all([running, cancelling])

    expect(cancelLost).toBe(true)
    expect(cancelled.status).toBe('cancelled')
    expect(ran.status).toBe('cancelled')
    expect(secondRuns).toBe(1)
    expect((await loadRun(engine.runId))?.status).toBe('cancelled')
  })

  it('does nothing to a completed run', async () => {
    const workflow = defineWorkflow({ id: 'quick', version: 1, start: 'a', nodes: { a: () => 1 } })
    const hp = createHoldpoint({ workflows: [workflow], store: await stores.open(kind) })
    const engine = await hp.start('quick', undefined)
    await engine.run()
    await engine.cancel()
    expect(engine.executionState.status).toBe('completed')
  })
})
