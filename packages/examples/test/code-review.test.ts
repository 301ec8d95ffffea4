import { createHoldpoint, type Store } from 'holdpoint'
import { describe, expect, it, vi } from 'vitest'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import {
  createCodeReviewWorkflow,
  fakeCoder,
  reviewCodeInTerminal,
  type CodeRequest,
} from '../src/code-review.js'
import { nodeRuns } from './support/node-runs.js'
import { scriptedTerminal } from './support/scripted-terminal.js'

/** The "Expected Interaction" of the lesson's hands-on exercise, verbatim. */
const expectedInteraction = `Generated code:
def greet(name):
    return f"Hello, {name}!"

Review (approve/revise/reject): revise

Revised code (v2):
def greet(name: str) -> str:
    return f"Hello, {name}!"

Review (approve/revise/reject): approve

Result: approved, version 2
`

const description = 'a function that greets someone by name'

describe.each(storeKinds)('code review (%s)', (kind) => {
  const stores = useStores()
  let store: Promise<Store> | undefined
  const open = (): Promise<Store> => (store ??= stores.open(kind))

  it('reproduces the expected interaction of the exercise', async () => {
    const coder = vi.fn(fakeCoder)
    const runs = nodeRuns()
    const hp = createHoldpoint({
      workflows: [createCodeReviewWorkflow({ coder, trace: runs.trace })],
      store: await open(),
    })
    const engine = await hp.start('code-review', { description })
    const terminal = scriptedTerminal(['revise', 'approve'])

    const result = await reviewCodeInTerminal(engine, terminal)

    expect(terminal.transcript).toBe(expectedInteraction)
    expect(result).toEqual({
      status: 'approved',
      version: 2,
      code: 'def greet(name: str) -> str:\n    return f"Hello, {name}!"',
    })
    expect(coder).toHaveBeenCalledTimes(2)
    expect(runs.all.map((r) => `${r.node}#${r.visit}`)).toEqual([
      'generate#1',
      'review#1',
      'generate#2',
      'review#2',
      'finish#1',
    ])
  })

  it('ends rejected at the version under review', async () => {
    const hp = createHoldpoint({ workflows: [createCodeReviewWorkflow()], store: await open() })
    const engine = await hp.start('code-review', { description })
    const terminal = scriptedTerminal(['reject'])
    expect(await reviewCodeInTerminal(engine, terminal)).toEqual({
      status: 'rejected',
      version: 1,
    })
    expect(terminal.transcript).toMatch(/\n\nResult: rejected, version 1\n$/)
  })

  it('allows three revisions, passing feedback to the coder', async () => {
    const coder = vi.fn(fakeCoder)
    const hp = createHoldpoint({
      workflows: [createCodeReviewWorkflow({ coder })],
      store: await open(),
    })
    const engine = await hp.start('code-review', { description: 'clean data' })
    const terminal = scriptedTerminal(['revise', 'add logging', 'revise', 'revise'])

    const result = await reviewCodeInTerminal(engine, terminal)

    expect(result).toMatchObject({
      status: 'max_revisions',
      version: 4,
      message: 'Maximum 3 revisions reached',
    })
    expect(terminal.transcript).toMatch(/\n\nResult: max_revisions, version 4\n$/)
    expect(coder).toHaveBeenCalledTimes(4)
    const requests = coder.mock.calls.map(([request]) => request)
    expect(requests.map((r) => [r.version, r.previous?.feedback])).toEqual([
      [1, undefined],
      [2, null],
      [3, 'add logging'],
      [4, null],
    ])
    expect(requests[2]?.previous?.code).toBe(
      'def process_clean_data(data: str) -> str:\n    """Process clean_data."""\n    result = data\n    return result',
    )
  })

  it('never regenerates code when reviews arrive in other processes', async () => {
    const calls: CodeRequest[][] = []
    const newProcess = () => {
      const seen: CodeRequest[] = []
      calls.push(seen)
      const runs = nodeRuns()
      const coder = (request: CodeRequest): string => {
        seen.push(request)
        return fakeCoder(request)
      }
      return { runs, workflow: createCodeReviewWorkflow({ coder, trace: runs.trace }) }
    }

    const a = newProcess()
    const hpA = createHoldpoint({ workflows: [a.workflow], store: await open() })
    const engine = await hpA.start('code-review', { description })
    expect((await engine.run()).awaitingInput).toMatchObject([{ requestId: 'review', visit: 1 }])

    const b = newProcess()
    const hpB = createHoldpoint({ workflows: [b.workflow], store: await open() })
    const afterB = await (await hpB.load(engine.runId)).run({ review: 'revise' })
    expect(afterB.awaitingInput).toMatchObject([{ requestId: 'review', visit: 2 }])
    expect(afterB.awaitingInput[0]?.prompt).toMatch(/^Revised code \(v2\):\n/)

    const c = newProcess()
    const hpC = createHoldpoint({ workflows: [c.workflow], store: await open() })
    const final = await (await hpC.load(engine.runId)).run({ review: 'approve' })
    expect(final.output).toMatchObject({ status: 'approved', version: 2 })

    // One generation per version, each in the process that reached it; replays reuse state.
    expect(calls.map((seen) => seen.map((r) => r.version))).toEqual([[1], [2], []])
    expect(b.runs.all.map((r) => [r.node, r.visit, r.replaying])).toEqual([
      ['review', 1, true],
      ['generate', 2, false],
      ['review', 2, false],
    ])
    expect(c.runs.all.map((r) => [r.node, r.visit, r.replaying])).toEqual([
      ['review', 2, true],
      ['finish', 1, false],
    ])
  })
})
