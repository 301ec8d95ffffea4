import { beforeEach, describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError, type RunEvent } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, resetCounts } from './fixtures/approval.js'
import { counter } from './fixtures/counter.js'

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = []
  for await (const event of events) all.push(event)
  return all
}

function contiguous(events: RunEvent[]): boolean {
  return events.every((e, i) => e.seq === i + 1)
}

describe.each(storeKinds)('live event streams (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('follows a run from its start to its end, for several consumers at once', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'live' })
    const consumers = [1, 2, 3].map(() => collect(engine.events({ follow: true })))
    await engine.run()
    await engine.run({ approve: { approved: true, note: 'ok' } })
    const seen = await Promise.all(consumers)
    for (const events of seen) {
      expect(contiguous(events)).toBe(true)
      expect(events.at(-1)?.type).toBe('run_completed')
      expect(events).toHaveLength(11)
    }
  })

  it('hears of checkpoints written by another Holdpoint (LISTEN/NOTIFY), losing nothing between replay and live', async () => {
    if (kind === 'pglite') return // a PGlite database belongs to one process
    const writer = createHoldpoint({ workflows: [counter], store: await stores.open(kind) })
    const reader = createHoldpoint({ workflows: [], store: await stores.fresh(kind) })
    const engine = await writer.start('counter', { rounds: 40 })
    await engine.step()
    await engine.step()
    // The reader joins mid-run: it replays what is stored, then follows what comes.
    const following = collect(reader.events(engine.runId, { follow: true }))
    await engine.run()
    const events = await following
    expect(contiguous(events)).toBe(true)
    expect(events.filter((e) => e.type === 'node_completed')).toHaveLength(40)
    expect(events.at(-1)?.type).toBe('run_completed')
    await reader.close()
  })

  it('hears of an answer stored by another Holdpoint, though it writes no history row', async () => {
    if (kind === 'pglite') return // a PGlite database belongs to one process
    const writer = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const reader = createHoldpoint({ workflows: [], store: await stores.fresh(kind) })
    const engine = await writer.start('approval', { topic: 'told' })
    await engine.run()
    const waited = (await collect(engine.events())).at(-1)
    expect(waited?.type).toBe('run_waiting')
    const controller = new AbortController()
    const following = reader.events(engine.runId, {
      after: waited?.seq ?? 0,
      follow: true,
      signal: controller.signal,
    })
    const stream = following[Symbol.asyncIterator]()
    const next = stream.next()
    // Let the reader replay (nothing yet) and settle into listening before the answer lands.
    await new Promise((resolve) => setTimeout(resolve, 500))
    // Stored only; nobody runs the run on, so the answer's checkpoint is the only one.
    await engine.run({ approve: { approved: true, note: 'ok' } }, { background: true })
    // Well before the idle re-read (30 s): only the checkpoint's notification can wake the reader.
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000))
    const first = await Promise.race([next, timeout])
    controller.abort()
    expect(first).toMatchObject({ value: { type: 'input_received', seq: (waited?.seq ?? 0) + 1 } })
    await reader.close()
  })

  it('ends at once for a finished run followed from its end, and quietly on abort', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'ends' })
    await engine.run()
    const controller = new AbortController()
    const waiting = collect(engine.events({ after: 6, follow: true, signal: controller.signal }))
    controller.abort()
    expect(await waiting).toEqual([])
    await engine.cancel('no longer needed')
    const last = (await collect(engine.events())).at(-1)
    expect(last).toMatchObject({ type: 'run_cancelled', data: { reason: 'no longer needed' } })
    expect(await collect(engine.events({ after: last?.seq ?? 0, follow: true }))).toEqual([])
  })

  it('ends quietly when the run is pruned or the Holdpoint closes', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.fresh(kind) })
    /** Follows a run; resolves `live` once the stored history has been replayed. */
    const follow = (events: AsyncIterable<RunEvent>) => {
      let live!: () => void
      const replayed = new Promise<void>((resolve) => (live = resolve))
      const done = (async () => {
        const seen: RunEvent[] = []
        for await (const event of events) {
          seen.push(event)
          if (event.type === 'run_waiting') live()
        }
        return seen
      })()
      return { replayed, done }
    }
    const doomed = await hp.start('approval', { topic: 'pruned' })
    await doomed.run()
    const pruning = follow(hp.events(doomed.runId, { follow: true }))
    await pruning.replayed
    await hp.prune({ olderThan: new Date(Date.now() + 1000), status: 'waiting_for_input' })
    expect((await pruning.done).map((e) => e.type).at(-1)).toBe('run_waiting')

    const open = await hp.start('approval', { topic: 'open' })
    await open.run()
    const closing = follow(open.events({ follow: true }))
    await closing.replayed
    await hp.close()
    expect((await closing.done).map((e) => e.type).at(-1)).toBe('run_waiting')
  })

  it('refuses unknown runs with RUN_NOT_FOUND', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    for (const runId of ['0190f0a0-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const error = await collect(hp.events(runId, { follow: true })).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'RUN_NOT_FOUND')).toBe(true)
    }
  })
})
