import { createHoldpoint, type RunEvent, type Store, type WorkflowEngine } from 'holdpoint'
import { describe, expect, it } from 'vitest'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { createNumberPromptWorkflow, promptForNumber } from '../src/number-prompt.js'
import { nodeRuns } from './support/node-runs.js'
import { scriptedTerminal } from './support/scripted-terminal.js'

async function eventTypes(engine: WorkflowEngine): Promise<RunEvent['type'][]> {
  const types: RunEvent['type'][] = []
  for await (const event of engine.events()) types.push(event.type)
  return types
}

describe.each(storeKinds)('number prompt (%s)', (kind) => {
  const stores = useStores()
  let store: Promise<Store> | undefined
  const open = (): Promise<Store> => (store ??= stores.open(kind))

  it('asks "Enter a number: " in a terminal loop until the answer is a number', async () => {
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createNumberPromptWorkflow({ trace: runs.trace })],
      store: await open(),
    })
    const engine = await hp.start('number-prompt', undefined)
    const terminal = scriptedTerminal(['abc', '   ', ' 42 '])

    expect(await promptForNumber(engine, terminal)).toBe(42)

    expect(terminal.prompts).toEqual(['Enter a number: ', 'Enter a number: ', 'Enter a number: '])
    expect(terminal.transcript.match(/^Invalid answer: /gm)).toHaveLength(2)
    expect(engine.executionState).toMatchObject({
      status: 'completed',
      output: 42,
      awaitingInput: [],
    })
    // Same process: the await returned, the body never started over.
    expect(runs.all).toEqual([{ node: 'ask', visit: 1, replaying: false }])
    // Rejected answers stored nothing; the ledger keeps what was typed, the node got a number.
    expect(await eventTypes(engine)).toEqual([
      'run_started',
      'node_started',
      'input_requested',
      'run_waiting',
      'input_received',
      'node_completed',
      'run_completed',
    ])
    const [stored] = await (await open()).findClosedRequests(engine.runId, ['number'])
    expect(stored).toMatchObject({ status: 'answered', answer: ' 42 ' })
  })

  it('breaks out after the prompt and takes the answer in another process', async () => {
    const first = nodeRuns()
    const hpA = createHoldpoint({
      workflows: [createNumberPromptWorkflow({ trace: first.trace })],
      store: await open(),
    })
    const engine = await hpA.start('number-prompt', undefined)
    const waiting = await engine.run()
    expect(waiting.status).toBe('waiting_for_input')
    expect(waiting.awaitingInput).toMatchObject([
      {
        requestId: 'number',
        nodeId: 'ask',
        visit: 1,
        prompt: 'Enter a number: ',
        inputType: 'number',
        schema: { type: 'string', minLength: 1 },
        expiresAt: null,
      },
    ])

    // Nothing to serialize or cancel: a fresh process finds the run and answers it.
    const second = nodeRuns()
    const hpB = createHoldpoint({
      workflows: [createNumberPromptWorkflow({ trace: second.trace })],
      store: await open(),
    })
    const inbox = await hpB.list({ status: 'waiting_for_input', workflow: 'number-prompt' })
    expect(inbox.map((run) => run.runId)).toContain(engine.runId)
    const resumed = await hpB.load(engine.runId)
    expect(await resumed.run({ number: '7' })).toMatchObject({ status: 'completed', output: 7 })

    expect(first.all).toEqual([{ node: 'ask', visit: 1, replaying: false }])
    // The other process re-ran the body from its start; requestInput returned the stored answer.
    expect(second.all).toEqual([{ node: 'ask', visit: 1, replaying: true }])
  })
})
