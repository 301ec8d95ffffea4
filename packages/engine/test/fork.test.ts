import { beforeEach, describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError, type RunEvent } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = []
  for await (const event of events) all.push(event)
  return all
}

describe.each(storeKinds)('fork (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  async function rejectedRun() {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const original = await hp.start('approval', { topic: 'forks' })
    await original.run()
    // Rejected: review loops back to draft, which asks again.
    await original.run({ approve: { approved: false, note: 'too short' } })
    return { hp, original }
  }

  it('re-enters the node in flight at an event, keeping the original intact', async () => {
    const { hp, original } = await rejectedRun()
    const before = await collect(original.events())
    const requested = before.find((e) => e.type === 'input_requested')
    expect(requested?.seq).toBe(5)
    const draftsBefore = counts.draft

    const fork = await hp.fork(original.runId, { at: requested?.seq ?? 0 })
    expect(fork.runId).not.toBe(original.runId)
    expect(fork.executionState).toMatchObject({
      status: 'running',
      currentNodes: ['review'],
      state: { draft: 'Draft for forks' },
      input: { topic: 'forks' },
    })
    await fork.run()
    expect(counts.draft).toBe(draftsBefore) // draft completed before the fork point: not re-run
    expect(fork.executionState.awaitingInput).toMatchObject([{ requestId: 'approve', visit: 1 }])
    await fork.run({ approve: { approved: true, note: 'second thoughts' } })
    expect(fork.executionState.output).toEqual({
      status: 'approved',
      draft: 'Draft for forks',
      note: 'second thoughts',
    })

    const forkEvents = await collect(fork.events())
    expect(forkEvents[0]).toMatchObject({
      type: 'run_started',
      data: { forkedFrom: { runId: original.runId, seq: 5 } },
    })
    expect(forkEvents[1]).toMatchObject({
      type: 'node_started',
      data: { node: 'review', visit: 1 },
    })
    // The original did not move.
    expect(await collect(original.events())).toEqual(before)
    expect((await hp.load(original.runId)).executionState.currentNodes).toEqual(['review'])
  })

  it('forks from the latest event by default, and forks of forks keep earlier outputs and visits', async () => {
    const { hp, original } = await rejectedRun()
    // The original is at its second review visit.
    const latest = await hp.fork(original.runId)
    expect(latest.executionState.currentNodes).toEqual(['review'])
    await latest.run()
    expect(latest.executionState.awaitingInput).toMatchObject([{ requestId: 'approve', visit: 2 }])
    const again = await hp.fork(latest.runId)
    await again.run()
    expect(again.executionState.awaitingInput).toMatchObject([{ requestId: 'approve', visit: 2 }])
    await again.run({ approve: { approved: true, note: 'fine' } })
    expect(again.executionState.status).toBe('completed')
  })

  it('refuses fork points outside the history, and unknown runs', async () => {
    const { hp, original } = await rejectedRun()
    const last = (await collect(original.events())).at(-1)?.seq ?? 0
    const runsBefore = (await hp.list({ limit: 1000 })).length
    for (const at of [0, -1, last + 1, 2.5, Number.NaN]) {
      const error = await hp.fork(original.runId, { at }).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_FORK_POINT')).toBe(true)
    }
    const error = await hp.fork('0190f0a0-0000-7000-8000-000000000000').catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_NOT_FOUND')).toBe(true)
    expect((await hp.list({ limit: 1000 })).length).toBe(runsBefore)
  })
})
