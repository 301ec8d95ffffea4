import { createHoldpoint, type Store } from 'holdpoint'
import { describe, expect, it } from 'vitest'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { createIterativeReviewWorkflow, reviewInTerminal } from '../src/iterative-review.js'
import { nodeRuns } from './support/node-runs.js'
import { scriptedTerminal } from './support/scripted-terminal.js'

const ask = "\n\nEnter 'approve', 'revise', or feedback: "

describe.each(storeKinds)('iterative review (%s)', (kind) => {
  const stores = useStores()
  let store: Promise<Store> | undefined
  const open = (): Promise<Store> => (store ??= stores.open(kind))

  it('loops through review until approved, asking again on every visit', async () => {
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createIterativeReviewWorkflow({ trace: runs.trace })],
      store: await open(),
    })
    const engine = await hp.start('iterative-review', { topic: 'solar power' })
    const terminal = scriptedTerminal(['revise', 'mention storage', 'approve'])

    const result = await reviewInTerminal(engine, terminal)

    const v2 = 'Revised (v2): Initial draft about solar power'
    const v3 = `Revised (v3, "mention storage"): ${v2}`
    expect(terminal.prompts).toEqual([
      `Version 1:\nInitial draft about solar power${ask}`,
      `Version 2:\n${v2}${ask}`,
      `Version 3:\n${v3}${ask}`,
    ])
    expect(result).toEqual({ status: 'approved', content: v3, version: 3 })
    expect(terminal.transcript).toMatch(/Result: approved, version 3\n$/)
    expect(engine.executionState.state).toMatchObject({ feedback: ['mention storage'] })
    // One execution per visit: in one process nothing replays.
    expect(runs.all.map((r) => `${r.node}#${r.visit}`)).toEqual([
      'generate#1',
      'review#1',
      'generate#2',
      'review#2',
      'generate#3',
      'review#3',
      'finish#1',
    ])
    expect(runs.all.some((r) => r.replaying)).toBe(false)
  })

  it('stops after three revisions', async () => {
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createIterativeReviewWorkflow({ trace: runs.trace })],
      store: await open(),
    })
    const engine = await hp.start('iterative-review', { topic: 'wind' })
    const visits: number[] = []
    let state = await engine.run()
    while (state.status === 'waiting_for_input') {
      const [request] = state.awaitingInput
      visits.push(request?.visit ?? 0)
      state = await engine.run({ review: 'revise' })
    }
    expect(visits).toEqual([1, 2, 3, 4])
    expect(state.output).toMatchObject({ status: 'max_revisions_reached', version: 4 })
    expect(runs.count('generate')).toBe(4)
    expect(runs.count('review')).toBe(4)
  })

  it('scopes answers to a visit when every answer arrives in another process', async () => {
    const workflow = (trace: ReturnType<typeof nodeRuns>['trace']) =>
      createIterativeReviewWorkflow({ trace })
    const a = nodeRuns()
    const hpA = createHoldpoint({ workflows: [workflow(a.trace)], store: await open() })
    const engine = await hpA.start('iterative-review', { topic: 'tides' })
    expect((await engine.run()).awaitingInput).toMatchObject([{ requestId: 'review', visit: 1 }])

    const b = nodeRuns()
    const hpB = createHoldpoint({ workflows: [workflow(b.trace)], store: await open() })
    const afterB = await (await hpB.load(engine.runId)).run({ review: 'revise' })
    expect(afterB.awaitingInput).toMatchObject([
      { requestId: 'review', nodeId: 'review', visit: 2 },
    ])

    // A third process sees visit 2 open; the answer to visit 1 does not satisfy it.
    const c = nodeRuns()
    const hpC = createHoldpoint({ workflows: [workflow(c.trace)], store: await open() })
    const engineC = await hpC.load(engine.runId)
    expect((await engineC.run()).status).toBe('waiting_for_input')
    expect(c.all).toEqual([])
    const final = await engineC.run({ review: 'approve' })
    expect(final.output).toEqual({
      status: 'approved',
      content: 'Revised (v2): Initial draft about tides',
      version: 2,
    })

    expect(a.all).toEqual([
      { node: 'generate', visit: 1, replaying: false },
      { node: 'review', visit: 1, replaying: false },
    ])
    expect(b.all).toEqual([
      { node: 'review', visit: 1, replaying: true },
      { node: 'generate', visit: 2, replaying: false },
      { node: 'review', visit: 2, replaying: false },
    ])
    expect(c.all).toEqual([
      { node: 'review', visit: 2, replaying: true },
      { node: 'finish', visit: 1, replaying: false },
    ])
  })
})
