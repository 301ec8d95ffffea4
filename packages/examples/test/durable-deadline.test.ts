import { createHoldpoint, type RunEvent, type Store, type WorkflowEngine } from 'holdpoint'
import { describe, expect, it } from 'vitest'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import {
  HOUR,
  createLazyConsensusWorkflow,
  createSignOffWorkflow,
} from '../src/durable-deadline.js'
import { nodeRuns } from './support/node-runs.js'

/** A clock the test moves by hand; each simulated process reads it. */
function manualClock(start: string): { now: () => Date; advance(ms: number): void } {
  let time = new Date(start).getTime()
  return { now: () => new Date(time), advance: (ms) => void (time += ms) }
}

async function expiries(engine: WorkflowEngine): Promise<RunEvent['data'][]> {
  const found: RunEvent['data'][] = []
  for await (const event of engine.events()) {
    if (event.type === 'input_expired') found.push(event.data)
  }
  return found
}

describe.each(storeKinds)('durable deadline (%s)', (kind) => {
  const stores = useStores()
  let store: Promise<Store> | undefined
  const open = (): Promise<Store> => (store ??= stores.open(kind))

  it('stores the deadline and resumes with the default in another process once it passes', async () => {
    const clock = manualClock('2030-01-01T09:00:00.000Z')
    const a = nodeRuns()
    const hpA = createHoldpoint({
      workflows: [createLazyConsensusWorkflow({ trace: a.trace })],
      store: await open(),
      now: clock.now,
    })
    const engine = await hpA.start('lazy-consensus', { change: 'Raise the rate limit' })
    const waiting = await engine.run()
    expect(waiting.awaitingInput).toMatchObject([
      {
        requestId: 'objection',
        default: 'approve',
        expiresAt: new Date('2030-01-02T09:00:00.000Z'),
      },
    ])

    // Before the deadline, running again changes nothing: a human may still answer.
    clock.advance(23 * HOUR)
    expect((await engine.run()).status).toBe('waiting_for_input')

    // The first process is gone; another one runs the run after the deadline.
    clock.advance(HOUR)
    const b = nodeRuns()
    const hpB = createHoldpoint({
      workflows: [createLazyConsensusWorkflow({ trace: b.trace })],
      store: await open(),
      now: clock.now,
    })
    const resumed = await hpB.load(engine.runId)
    const final = await resumed.run()

    expect(final).toMatchObject({
      status: 'completed',
      output: { change: 'Raise the rate limit', decision: 'approve' },
    })
    expect(await expiries(resumed)).toEqual([
      { requestId: 'objection', node: 'objections', visit: 1, defaulted: true },
    ])
    expect(a.all).toEqual([{ node: 'objections', visit: 1, replaying: false }])
    expect(b.all).toEqual([{ node: 'objections', visit: 1, replaying: true }])
  })

  it('fires the deadline in the same process without replaying the node', async () => {
    const clock = manualClock('2030-01-01T09:00:00.000Z')
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createLazyConsensusWorkflow({ timeoutMs: 2 * HOUR, trace: runs.trace })],
      store: await open(),
      now: clock.now,
    })
    const engine = await hp.start('lazy-consensus', { change: 'Rotate keys' })
    await engine.run()
    clock.advance(2 * HOUR)
    expect((await engine.run()).output).toEqual({ change: 'Rotate keys', decision: 'approve' })
    expect(runs.all).toEqual([{ node: 'objections', visit: 1, replaying: false }])
  })

  it('lets an answer that arrives before the deadline win', async () => {
    const clock = manualClock('2030-01-01T09:00:00.000Z')
    const hp = createHoldpoint({
      workflows: [createLazyConsensusWorkflow()],
      store: await open(),
      now: clock.now,
    })
    const engine = await hp.start('lazy-consensus', { change: 'Drop the v1 API' })
    await engine.run()
    clock.advance(12 * HOUR)
    const final = await engine.run({ objection: 'reject' })
    expect(final.output).toEqual({ change: 'Drop the v1 API', decision: 'reject' })

    clock.advance(48 * HOUR)
    const later = await createHoldpoint({
      workflows: [createLazyConsensusWorkflow()],
      store: await open(),
      now: clock.now,
    }).load(engine.runId)
    expect(await later.run()).toMatchObject({ status: 'completed', output: { decision: 'reject' } })
    expect(await expiries(later)).toEqual([])
  })

  it('throws INPUT_TIMEOUT inside the node without a default, where it escalates', async () => {
    const clock = manualClock('2030-01-01T09:00:00.000Z')
    const a = nodeRuns()
    const hpA = createHoldpoint({
      workflows: [createSignOffWorkflow({ timeoutMs: 4 * HOUR, trace: a.trace })],
      store: await open(),
      now: clock.now,
    })
    const engine = await hpA.start('sign-off', { document: 'Q3 budget' })
    expect((await engine.run()).awaitingInput).toMatchObject([
      { requestId: 'sign-off', expiresAt: new Date('2030-01-01T13:00:00.000Z') },
    ])

    clock.advance(5 * HOUR)
    const escalated = await engine.run()
    expect(escalated.status).toBe('waiting_for_input')
    expect(escalated.awaitingInput).toMatchObject([{ requestId: 'escalation', expiresAt: null }])
    expect(escalated.awaitingInput[0]).not.toHaveProperty('default')
    expect(await expiries(engine)).toEqual([
      { requestId: 'sign-off', node: 'signOff', visit: 1, defaulted: false },
    ])

    // The reviewer's late answer is refused: that request is closed.
    const b = nodeRuns()
    const hpB = createHoldpoint({
      workflows: [createSignOffWorkflow({ timeoutMs: 4 * HOUR, trace: b.trace })],
      store: await open(),
      now: clock.now,
    })
    const engineB = await hpB.load(engine.runId)
    await expect(engineB.run({ 'sign-off': 'approve' })).rejects.toMatchObject({
      code: 'UNKNOWN_REQUEST',
      awaiting: ['escalation'],
    })
    const final = await engineB.run({ escalation: 'approve' })
    expect(final.output).toEqual({ decision: 'approve', by: 'manager' })

    expect(a.all).toEqual([{ node: 'signOff', visit: 1, replaying: false }])
    // The replay met INPUT_TIMEOUT again at the first await, from the ledger, and took the same path.
    expect(b.all.map((r) => r.replaying)).toEqual([true])
  })
})
