import { assign, setup } from 'xstate'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createHoldpoint,
  defineWorkflow,
  HoldpointError,
  node,
  type NodeContext,
} from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

describe('defineWorkflow', () => {
  it('compiles nodes and edges to an XState machine that tools can draw', () => {
    const { machine } = approval
    expect(machine.config.initial).toBe('draft')
    const states = machine.root.states
    expect(Object.keys(states)).toEqual(['draft', 'review', 'publish', '__completed'])
    expect(states.review?.invoke.map((i) => [i.id, i.src])).toEqual([['review', 'review']])
    const targets = states.review?.transitions
      .get('xstate.done.actor.review')
      ?.map((t) => t.target?.[0]?.key)
    expect(targets).toEqual(['publish', 'draft', '__completed'])
    expect(approval.nodeIds).toEqual(['draft', 'review', 'publish'])
  })

  it('refuses malformed definitions with clear messages', () => {
    const bad = (config: object) => () => defineWorkflow(config as never)
    expect(bad({ id: '', version: 1, start: 'a', nodes: { a: () => 1 } })).toThrow(
      /non-empty string id/,
    )
    expect(bad({ id: 'w', version: 0, start: 'a', nodes: { a: () => 1 } })).toThrow(
      /positive integer version/,
    )
    expect(bad({ id: 'w', version: 1, start: 'b', nodes: { a: () => 1 } })).toThrow(
      /start "b" is not a node/,
    )
    expect(
      bad({
        id: 'w',
        version: 1,
        start: 'a',
        nodes: { a: () => 1 },
        edges: [{ from: 'a', to: 'z' }],
      }),
    ).toThrow(/edge target "z"/)
    expect(bad({ id: 'w', version: 1, start: 'a.b', nodes: { 'a.b': () => 1 } })).toThrow(
      /must start with a letter/,
    )
    expect(bad({ id: 'w', version: 1, start: 'a', nodes: {} })).toThrow(/has no nodes/)
    try {
      bad({ id: 'w', version: 1, start: 'x', nodes: { a: () => 1 } })()
    } catch (error) {
      expect(HoldpointError.is(error, 'INVALID_DEFINITION')).toBe(true)
    }
  })
})

// A machine built by hand with setup(): bodies are registered promise actors, edges are the
// machine's own guarded onDone transitions, and the machine may keep context of its own.
const handBuilt = setup({
  types: { context: {} as { rounds: number } },
  actors: {
    ask: node(async (ctx: NodeContext) => ctx.requestInput({ id: 'more', schema: z.boolean() })),
    finish: node(async (ctx: NodeContext) => ({ done: true, by: ctx.node.id })),
  },
}).createMachine({
  id: 'handBuilt',
  initial: 'asking',
  context: { rounds: 0 },
  states: {
    asking: {
      invoke: {
        id: 'ask',
        src: 'ask',
        onDone: [
          {
            target: 'asking',
            reenter: true,
            guard: ({ event }) => event.output === true,
            actions: assign({ rounds: ({ context }) => context.rounds + 1 }),
          },
          { target: 'finishing' },
        ],
      },
    },
    finishing: { invoke: { id: 'finish', src: 'finish', onDone: 'done' } },
    done: { type: 'final' },
  },
})

describe.each(storeKinds)('a hand-built setup() machine (%s)', (kind) => {
  const stores = useStores()

  it('runs, pauses, loops and resumes elsewhere like a compiled one', async () => {
    const workflow = defineWorkflow({ id: 'handBuilt', version: 1, machine: handBuilt })
    expect(workflow.nodeIds).toEqual(['ask', 'finish'])
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'handBuilt',
      undefined,
    )
    await engine.run()
    await engine.run({ more: true })
    expect(engine.executionState.awaitingInput.map((r) => [r.requestId, r.visit])).toEqual([
      ['more', 2],
    ])
    const other = await createHoldpoint({ workflows: [workflow], store }).load(engine.runId)
    await other.run({ more: false })
    expect(other.executionState.status).toBe('completed')
    expect(other.executionState.output).toEqual({ done: true, by: 'finish' })
    const stored = await store.loadRun(engine.runId)
    expect(stored?.position.context).toEqual({ rounds: 1 })
  })

  it("fails the run when the machine's own output is not JSON", async () => {
    const machine = setup({
      actors: { only: node(async () => 'done') },
    }).createMachine({
      id: 'badOutput',
      initial: 'working',
      output: () => ({ at: new Map() }),
      states: {
        working: { invoke: { id: 'only', src: 'only', onDone: 'done' } },
        done: { type: 'final' },
      },
    })
    const workflow = defineWorkflow({ id: 'badOutput', version: 1, machine })
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [workflow], store }).start(
      'badOutput',
      undefined,
    )
    const state = await engine.run()
    expect(state.status).toBe('failed')
    expect(state.error).toMatchObject({ code: 'NOT_SERIALIZABLE' })
    expect((await store.loadRun(engine.runId))?.status).toBe('failed')
  })
})
