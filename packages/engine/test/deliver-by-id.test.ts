import { beforeEach, describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError, type Store } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'

/** `store`, counting the calls made to each of its methods. */
function counting(store: Store): { store: Store; calls: Record<string, number> } {
  const calls: Record<string, number> = {}
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function' || typeof name !== 'string') return value
      return (...args: unknown[]) => {
        calls[name] = (calls[name] ?? 0) + 1
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: counted, calls }
}

const yes = { approve: { approved: true, note: 'ok' } }
const no = { approve: { approved: false, note: 'again' } }

describe.each(storeKinds)('hp.deliver (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('resumes a run this process holds right after its await, without reading it first', async () => {
    const { store, calls } = counting(await stores.open(kind))
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'held' })
    await engine.run()
    for (const name of Object.keys(calls)) delete calls[name]

    const state = await hp.deliver(engine.runId, yes)

    expect(state.status).toBe('completed')
    expect(state.output).toEqual({ status: 'approved', draft: 'Draft for held', note: 'ok' })
    expect(counts.reviewBefore).toBe(1) // nothing before the await ran again
    expect(calls.runVersion ?? 0).toBe(0)
    expect(calls.loadRun ?? 0).toBe(0)
    expect(calls.checkpoint).toBe(3) // the answer, review's completion, publish's
  })

  it('loads a run it does not hold, as load and run would', async () => {
    const store = await stores.open(kind)
    const first = createHoldpoint({ workflows: [approval], store })
    const engine = await first.start('approval', { topic: 'elsewhere' })
    await engine.run()

    const state = await createHoldpoint({ workflows: [approval], store }).deliver(
      engine.runId.toUpperCase(),
      yes,
    )

    expect(state.status).toBe('completed')
    expect(counts.reviewBefore).toBe(2) // replayed up to the await in the other Holdpoint
    expect(counts.draft).toBe(1)
  })

  it('delivers to the run as stored when another process moved it on meanwhile', async () => {
    const store = await stores.open(kind)
    const holder = createHoldpoint({ workflows: [approval], store })
    const engine = await holder.start('approval', { topic: 'moved' })
    await engine.run()
    // Another process rejects the draft: the run loops and asks again, in review's second visit.
    const other = await createHoldpoint({ workflows: [approval], store }).deliver(engine.runId, no)
    expect(other.awaitingInput.map((r) => [r.requestId, r.visit])).toEqual([['approve', 2]])

    const state = await holder.deliver(engine.runId, yes)

    expect(state.status).toBe('completed')
    expect(state.output).toEqual({ status: 'approved', draft: 'Draft for moved', note: 'ok' })
    const stored = await createHoldpoint({ workflows: [approval], store }).load(engine.runId)
    expect(stored.executionState.output).toEqual(state.output)
  })

  it('takes the same answer twice and refuses a different one, from a stale copy too', async () => {
    const store = await stores.open(kind)
    const holder = createHoldpoint({ workflows: [approval], store })
    const engine = await holder.start('approval', { topic: 'twice' })
    await engine.run()
    await createHoldpoint({ workflows: [approval], store }).deliver(engine.runId, yes)

    const again = await holder.deliver(engine.runId, yes)
    expect(again.status).toBe('completed')
    expect(counts.publish).toBe(1)

    const refused = await holder.deliver(engine.runId, no).catch((e: unknown) => e)
    expect(HoldpointError.is(refused, 'ALREADY_ANSWERED')).toBe(true)
  })

  it('refuses bad input with a typed error and changes nothing', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'bad' })
    await engine.run()
    const before = await store.loadRun(engine.runId)

    const invalid = await hp
      .deliver(engine.runId, { approve: { approved: 'yes' } })
      .catch((e: unknown) => e)
    const unknown = await hp.deliver(engine.runId, { publish: true }).catch((e: unknown) => e)
    const missing = await hp.deliver('not-a-run', yes).catch((e: unknown) => e)

    expect(HoldpointError.is(invalid, 'INVALID_INPUT')).toBe(true)
    expect(HoldpointError.is(unknown, 'UNKNOWN_REQUEST')).toBe(true)
    expect(HoldpointError.is(missing, 'RUN_NOT_FOUND')).toBe(true)
    const after = await store.loadRun(engine.runId)
    expect(after?.rowVersion).toBe(before?.rowVersion)
    expect(after?.status).toBe('waiting_for_input')
    expect(counts.reviewAfter).toBe(0)
  })
})
