import { createHoldpoint, type RunEvent, type Store, type WorkflowEngine } from 'holdpoint'
import { describe, expect, it } from 'vitest'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import {
  createParallelFormWorkflow,
  createSequentialFormWorkflow,
  fillFormInTerminal,
} from '../src/form-fields.js'
import { nodeRuns } from './support/node-runs.js'
import { scriptedTerminal } from './support/scripted-terminal.js'

async function eventTypes(engine: WorkflowEngine): Promise<RunEvent['type'][]> {
  const types: RunEvent['type'][] = []
  for await (const event of engine.events()) types.push(event.type)
  return types
}

describe.each(storeKinds)('form fields (%s)', (kind) => {
  const stores = useStores()
  let store: Promise<Store> | undefined
  const open = (): Promise<Store> => (store ??= stores.open(kind))

  it('runs Method 1: one request at a time, options shown for the select', async () => {
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createSequentialFormWorkflow({ trace: runs.trace })],
      store: await open(),
    })
    const engine = await hp.start('sequential-form', undefined)
    const terminal = scriptedTerminal(['Alice', 'thirty', '30', 'sushi', 'hiking'])

    const final = await fillFormInTerminal(engine, terminal)

    expect(final).toMatchObject({
      status: 'completed',
      output: { name: 'Alice', age: 30, preference: 'hiking' },
    })
    const lines = terminal.transcript.split('\n')
    expect(lines.filter((l) => l.startsWith('Input needed: '))).toEqual([
      'Input needed: Name?',
      'Input needed: Age?',
      'Input needed: Age?',
      'Input needed: What does Alice enjoy most?',
      'Input needed: What does Alice enjoy most?',
    ])
    expect(lines.filter((l) => l.startsWith('Options: '))).toEqual([
      'Options: pizza, hiking, chess, jazz',
      'Options: pizza, hiking, chess, jazz',
    ])
    expect(lines.filter((l) => l.startsWith('Invalid answer: '))).toHaveLength(2)
    // In one process every step() resumed the same execution after its await.
    expect(runs.all).toEqual([{ node: 'profile', visit: 1, replaying: false }])
  })

  it('asks sequential fields one at a time, across processes', async () => {
    const a = nodeRuns()
    const hpA = createHoldpoint({
      workflows: [createSequentialFormWorkflow({ trace: a.trace })],
      store: await open(),
    })
    const engine = await hpA.start('sequential-form', undefined)
    expect((await engine.run()).awaitingInput).toMatchObject([
      { requestId: 'name_field', prompt: 'Name?', inputType: 'text' },
    ])

    // age_field has not been asked yet, so it cannot be answered: nothing is stored.
    await expect(engine.run({ name_field: 'Alice', age_field: 30 })).rejects.toMatchObject({
      code: 'UNKNOWN_REQUEST',
      requestIds: ['age_field'],
      awaiting: ['name_field'],
    })
    expect(await eventTypes(engine)).toEqual([
      'run_started',
      'node_started',
      'input_requested',
      'run_waiting',
    ])

    const afterName = await engine.run({ name_field: 'Alice' })
    expect(afterName.awaitingInput.map((r) => r.requestId)).toEqual(['age_field'])

    const b = nodeRuns()
    const hpB = createHoldpoint({
      workflows: [createSequentialFormWorkflow({ trace: b.trace })],
      store: await open(),
    })
    const afterAge = await (await hpB.load(engine.runId)).run({ age_field: 30 })
    expect(afterAge.awaitingInput).toMatchObject([
      {
        requestId: 'preference',
        prompt: 'What does Alice enjoy most?',
        inputType: 'select',
        options: ['pizza', 'hiking', 'chess', 'jazz'],
        schema: { enum: ['pizza', 'hiking', 'chess', 'jazz'] },
      },
    ])

    const c = nodeRuns()
    const hpC = createHoldpoint({
      workflows: [createSequentialFormWorkflow({ trace: c.trace })],
      store: await open(),
    })
    const engineC = await hpC.load(engine.runId)
    await expect(engineC.run({ preference: 'sushi' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    })
    const final = await engineC.run({ preference: 'chess' })
    expect(final.output).toEqual({ name: 'Alice', age: 30, preference: 'chess' })

    // Each process ran the body once; the later ones replayed earlier answers from the ledger.
    expect([a.all, b.all, c.all].map((all) => all.map((r) => r.replaying))).toEqual([
      [false],
      [true],
      [true],
    ])
  })

  it('answers fields asked with Promise.all in one run()', async () => {
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createParallelFormWorkflow({ trace: runs.trace })],
      store: await open(),
    })
    const engine = await hp.start('parallel-form', undefined)
    const waiting = await engine.run()
    expect(waiting.awaitingInput.map((r) => [r.requestId, r.visit])).toEqual([
      ['name_field', 1],
      ['age_field', 1],
    ])

    const final = await engine.run({ name_field: 'Bob', age_field: 41 })
    expect(final).toMatchObject({ status: 'completed', output: { name: 'Bob', age: 41 } })
    expect(runs.count('profile')).toBe(1)
  })

  it('refuses a blank or missing age instead of reading it as 0', async () => {
    const hp = createHoldpoint({ workflows: [createParallelFormWorkflow()], store: await open() })
    const engine = await hp.start('parallel-form', undefined)
    await engine.run()

    for (const age of ['', '   ', null, true, 'thirty', '30.5', -1]) {
      await expect(engine.run({ name_field: 'Dan', age_field: age })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        issues: [{ requestId: 'age_field', message: 'Enter a whole number from 0 to 150.' }],
      })
    }
    // Nothing was stored, not even the valid name sent with each bad age.
    expect(await eventTypes(engine)).toEqual([
      'run_started',
      'node_started',
      'input_requested',
      'input_requested',
      'run_waiting',
    ])

    const final = await engine.run({ name_field: 'Dan', age_field: ' 30 ' })
    expect(final.output).toEqual({ name: 'Dan', age: 30 })
  })

  it('takes Promise.all answers one by one from different processes', async () => {
    const hpA = createHoldpoint({ workflows: [createParallelFormWorkflow()], store: await open() })
    const engine = await hpA.start('parallel-form', undefined)
    await engine.run()
    const afterName = await engine.run({ name_field: 'Carol' })
    expect(afterName.status).toBe('waiting_for_input')
    expect(afterName.awaitingInput.map((r) => r.requestId)).toEqual(['age_field'])

    const runsB = nodeRuns()
    const hpB = createHoldpoint({
      workflows: [createParallelFormWorkflow({ trace: runsB.trace })],
      store: await open(),
    })
    const final = await (await hpB.load(engine.runId)).run({ age_field: '52' })
    expect(final.output).toEqual({ name: 'Carol', age: 52 })
    expect(runsB.all).toEqual([{ node: 'profile', visit: 1, replaying: true }])
  })
})
