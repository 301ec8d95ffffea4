import { createHoldpoint, type Store } from 'holdpoint'
import { describe, expect, it, vi } from 'vitest'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import {
  approveDocumentInTerminal,
  createDocumentApprovalWorkflow,
  fakeLlm,
} from '../src/document-approval.js'
import { nodeRuns, type NodeRuns } from './support/node-runs.js'
import { scriptedTerminal } from './support/scripted-terminal.js'

const topic = 'AI ethics principles'
const draft = 'AI ethics principles: a short document.'
const revised = `[REVISED] ${draft}`
const contentPrompt = (document: string): string =>
  `=== CONTENT REVIEW ===\n\n${document}\n\nIs the content accurate? (approve/revise/reject): `
const finalPrompt = (document: string): string =>
  `=== FINAL REVIEW ===\n\n${document}\n\nFinal approval? (approve/reject): `

describe.each(storeKinds)('document approval (%s)', (kind) => {
  const stores = useStores()
  let store: Promise<Store> | undefined
  const open = (): Promise<Store> => (store ??= stores.open(kind))

  async function setup(runs?: NodeRuns) {
    const llm = vi.fn(fakeLlm)
    const workflow = createDocumentApprovalWorkflow({ llm, ...(runs ? { trace: runs.trace } : {}) })
    const hp = createHoldpoint({ workflows: [workflow], store: await open() })
    return { llm, hp }
  }

  it('revises, passes both stages, and prints the lesson main() session', async () => {
    const runs = nodeRuns()
    const { llm, hp } = await setup(runs)
    const engine = await hp.start('document-approval', { topic })
    const terminal = scriptedTerminal(['revise', 'approve', 'approve'])

    const result = await approveDocumentInTerminal(engine, terminal)

    expect(result).toEqual({ status: 'approved', document: revised })
    expect(terminal.transcript).toBe(
      [
        contentPrompt(draft),
        '> revise',
        contentPrompt(revised),
        '> approve',
        finalPrompt(revised),
        '> approve',
        '',
        '=== RESULT ===',
        'Status: approved',
        `Document: ${revised}`,
        '',
      ].join('\n'),
    )
    expect(llm.mock.calls).toEqual([
      [`Write a short document about: ${topic}`],
      [`Revise this document:\n${draft}`],
    ])
    expect(runs.all.map((r) => `${r.node}#${r.visit}`)).toEqual([
      'write#1',
      'contentReview#1',
      'write#2',
      'contentReview#2',
      'finalReview#1',
      'conclude#1',
    ])
  })

  it('ends with the stage a rejection happened at', async () => {
    const { hp } = await setup()
    const atContent = await approveDocumentInTerminal(
      await hp.start('document-approval', { topic }),
      scriptedTerminal(['reject']),
    )
    expect(atContent).toEqual({ status: 'rejected', stage: 'content' })

    const atFinal = await approveDocumentInTerminal(
      await hp.start('document-approval', { topic }),
      scriptedTerminal(['approve', 'reject']),
    )
    expect(atFinal).toEqual({ status: 'rejected', stage: 'final' })
  })

  it('refuses "revise" at the final stage instead of reading it as a rejection', async () => {
    const { hp } = await setup()
    const engine = await hp.start('document-approval', { topic })
    await engine.run()
    const atFinal = await engine.run({ content: 'approve' })
    expect(atFinal.awaitingInput).toMatchObject([
      { requestId: 'final', nodeId: 'finalReview', options: ['approve', 'reject'] },
    ])
    await expect(engine.run({ final: 'revise' })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(engine.run({ content: 'approve' })).resolves.toMatchObject({
      status: 'waiting_for_input',
    })
    await expect(engine.run({ content: 'reject' })).rejects.toMatchObject({
      code: 'ALREADY_ANSWERED',
    })
    expect(engine.executionState.awaitingInput.map((r) => r.requestId)).toEqual(['final'])
  })

  it('calls the model once per draft when each review comes from another process', async () => {
    const a = await setup()
    const engine = await a.hp.start('document-approval', { topic })
    await engine.run()
    expect(a.llm).toHaveBeenCalledTimes(1)

    const runsB = nodeRuns()
    const b = await setup(runsB)
    const afterB = await (await b.hp.load(engine.runId)).run({ content: 'approve' })
    expect(afterB.awaitingInput).toMatchObject([{ requestId: 'final', prompt: finalPrompt(draft) }])

    const runsC = nodeRuns()
    const c = await setup(runsC)
    const final = await (await c.hp.load(engine.runId)).run({ final: 'approve' })
    expect(final.output).toEqual({ status: 'approved', document: draft })

    expect(a.llm).toHaveBeenCalledTimes(1)
    expect(b.llm).not.toHaveBeenCalled()
    expect(c.llm).not.toHaveBeenCalled()
    expect(runsB.all.map((r) => [r.node, r.replaying])).toEqual([
      ['contentReview', true],
      ['finalReview', false],
    ])
    expect(runsC.all.map((r) => [r.node, r.replaying])).toEqual([
      ['finalReview', true],
      ['conclude', false],
    ])
  })
})
