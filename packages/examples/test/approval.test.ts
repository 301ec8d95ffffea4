import { createHoldpoint, HoldpointError, type Store } from 'holdpoint'
import { describe, expect, it, vi } from 'vitest'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approveInTerminal, createApprovalWorkflow } from '../src/approval.js'
import { nodeRuns } from './support/node-runs.js'
import { scriptedTerminal } from './support/scripted-terminal.js'

const prompt = 'Please review this draft:\nGenerated content for: AI safety\n\nApprove? (yes/no): '

describe.each(storeKinds)('approval (%s)', (kind) => {
  const stores = useStores()
  let store: Promise<Store> | undefined
  const open = (): Promise<Store> => (store ??= stores.open(kind))

  it('approves in a terminal session, refusing an answer that is neither yes nor no', async () => {
    const notify = vi.fn()
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createApprovalWorkflow({ notify, trace: runs.trace })],
      store: await open(),
    })
    const engine = await hp.start('approval', { topic: 'AI safety' })
    const terminal = scriptedTerminal(['maybe', ' YES '])

    const result = await approveInTerminal(engine, terminal)

    expect(result).toEqual({ status: 'approved', content: 'Generated content for: AI safety' })
    expect(terminal.prompts).toEqual([prompt, prompt])
    expect(terminal.transcript).toContain(
      `${prompt}maybe\nInvalid answer: Invalid option: expected one of "yes"|"no"\n`,
    )
    expect(terminal.transcript).toContain('Result: approved (Generated content for: AI safety)\n')
    expect(notify).toHaveBeenCalledTimes(1)
    expect(runs.all.map((r) => [r.node, r.replaying])).toEqual([
      ['generateDraft', false],
      ['requestApproval', false],
      ['handleResponse', false],
    ])
  })

  it('rejects on "no"', async () => {
    const hp = createHoldpoint({ workflows: [createApprovalWorkflow()], store: await open() })
    const engine = await hp.start('approval', { topic: 'AI safety' })
    await engine.run()
    const final = await engine.run({ approve: 'no' })
    expect(final).toMatchObject({
      status: 'completed',
      output: { status: 'rejected', content: null },
    })
  })

  it('notifies the reviewer once although the node re-runs in another process', async () => {
    const notifyA = vi.fn()
    const runsA = nodeRuns()
    const hpA = createHoldpoint({
      workflows: [createApprovalWorkflow({ notify: notifyA, trace: runsA.trace })],
      store: await open(),
    })
    const engine = await hpA.start('approval', { topic: 'AI safety' })
    const waiting = await engine.run()
    expect(waiting.awaitingInput).toMatchObject([
      { requestId: 'approve', nodeId: 'requestApproval', visit: 1, prompt, options: ['yes', 'no'] },
    ])
    expect(waiting.state).toEqual({ draft: 'Generated content for: AI safety' })
    expect(notifyA).toHaveBeenCalledWith('A draft about "AI safety" is waiting for your approval.')

    // Another process: a fresh engine over the same store replays requestApproval.
    const notifyB = vi.fn()
    const runsB = nodeRuns()
    const hpB = createHoldpoint({
      workflows: [createApprovalWorkflow({ notify: notifyB, trace: runsB.trace })],
      store: await open(),
    })
    const final = await (await hpB.load(engine.runId)).run({ approve: 'yes' })

    expect(final).toMatchObject({
      status: 'completed',
      output: { status: 'approved', content: 'Generated content for: AI safety' },
    })
    // Grapheteria's pitfall, avoided: code before the await ran again, the notification did not.
    expect(notifyA).toHaveBeenCalledTimes(1)
    expect(notifyB).not.toHaveBeenCalled()
    // generateDraft completed before the pause and never runs again.
    expect(runsA.all.map((r) => r.node)).toEqual(['generateDraft', 'requestApproval'])
    expect(runsB.all).toEqual([
      { node: 'requestApproval', visit: 1, replaying: true },
      { node: 'handleResponse', visit: 1, replaying: false },
    ])
  })

  it('refuses bad deliveries with typed errors and leaves the run waiting', async () => {
    const hp = createHoldpoint({ workflows: [createApprovalWorkflow()], store: await open() })
    const engine = await hp.start('approval', { topic: 'AI safety' })
    await engine.run()

    const invalid = await engine.run({ approve: 'maybe' }).catch((error: unknown) => error)
    expect(HoldpointError.is(invalid, 'INVALID_INPUT')).toBe(true)
    const unknown = await engine.run({ approval: 'yes' }).catch((error: unknown) => error)
    expect(unknown).toMatchObject({ code: 'UNKNOWN_REQUEST', awaiting: ['approve'] })
    await expect(hp.start('approval', { topic: '  ' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    })

    const reloaded = await createHoldpoint({
      workflows: [createApprovalWorkflow()],
      store: await open(),
    }).load(engine.runId)
    expect(reloaded.executionState.status).toBe('waiting_for_input')
    expect(reloaded.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['approve'])
  })
})
