import {
  assign,
  getStateNodes,
  initialTransition,
  setup,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
} from 'xstate'
import { describe, expect, it } from 'vitest'
import { RUN_VIEW_KEY } from '../src/definition/compile-machine.js'
import { defineWorkflow, node, type NodeContext } from '../src/index.js'
import type { EdgeView } from '../src/definition/workflow.js'
import { MachineDriver, type MachinePosition } from '../src/runtime/machine-driver.js'
import { approval } from './fixtures/approval.js'

// The driver keeps one inert actor scope for all its steps instead of letting XState build one per
// call. These tests hold it to what XState's own pure functions compute, step by step.

type Step = ReturnType<MachineDriver['start']>

/** What the driver returned before it kept a scope: XState's `initialTransition`/`transition`. */
function reference(machine: AnyStateMachine) {
  const settle = ([snapshot, actions]: [
    AnyMachineSnapshot,
    ReadonlyArray<{ type: string; params?: unknown }>,
  ]): Step => {
    const context = snapshot.context as Record<string, unknown>
    const position: MachinePosition = { value: snapshot.value }
    if (Object.keys(context).length > 0) position.context = structuredClone(context) as never
    if (snapshot.status === 'done')
      return { position, next: { kind: 'done', output: snapshot.output } }
    const spawned = actions
      .filter((a) => a.type === 'xstate.spawnChild')
      .map((a) => (a.params as { id: string }).id)
    const invoked =
      spawned.length > 0
        ? spawned
        : getStateNodes(machine.root, snapshot.value).flatMap((n) => n.invoke.map((i) => i.id))
    return { position, next: { kind: 'node', nodeId: invoked[0] as string } }
  }
  return {
    start: (): Step => settle(initialTransition(machine)),
    complete: (position: MachinePosition, nodeId: string, output: unknown, view: EdgeView): Step =>
      settle(
        transition(
          machine,
          machine.resolveState({ value: position.value, context: position.context ?? {} }),
          {
            type: `xstate.done.actor.${nodeId}`,
            actorId: nodeId,
            output,
            [RUN_VIEW_KEY]: view,
          },
        ),
      ),
  }
}

/** Drives `machine` through `outputs` (one per completed node) with both, comparing every step. */
function walk(machine: AnyStateMachine, outputs: unknown[]): Step[] {
  const driver = new MachineDriver(machine)
  const expected = reference(machine)
  let step = driver.start()
  expect(step).toEqual(expected.start())
  const steps = [step]
  for (const output of outputs) {
    if (step.next.kind !== 'node') break
    const view: EdgeView = { input: {}, state: {}, output: { [step.next.nodeId]: output } }
    const next = driver.complete(step.position, step.next.nodeId, output, view)
    expect(next).toEqual(expected.complete(step.position, step.next.nodeId, output, view))
    steps.push((step = next))
  }
  return steps
}

/** A node body; the driver never runs it, so its output type is left open. */
const body = node(async (ctx: NodeContext): Promise<unknown> => ctx.node.id)

describe('MachineDriver', () => {
  it('follows a compiled workflow, guards included, like XState', () => {
    const path = walk(approval.machine, [
      undefined,
      { approved: false, note: 'again' },
      undefined,
      { approved: true, note: 'ok' },
      { status: 'approved' },
    ])
    expect(path.map((s) => (s.next.kind === 'node' ? s.next.nodeId : 'done'))).toEqual([
      'draft',
      'review',
      'draft',
      'review',
      'publish',
      'done',
    ])
  })

  it('takes a compiled self-loop, and asks the guards on every completion', () => {
    let asked = 0
    const polling = defineWorkflow({
      id: 'polling',
      version: 1,
      start: 'poll',
      nodes: { poll: async () => 'wait' as string, finish: async () => 'done' },
      edges: [
        {
          from: 'poll',
          to: 'poll',
          when: ({ output }) => {
            asked++
            return output.poll !== 'ready'
          },
        },
        { from: 'poll', to: 'finish' },
      ],
    })
    const path = walk(polling.machine, ['wait', 'wait', 'wait', 'ready', 'done'])
    expect(path.map((s) => (s.next.kind === 'node' ? s.next.nodeId : 'done'))).toEqual([
      'poll',
      'poll',
      'poll',
      'poll',
      'finish',
      'done',
    ])
    // Four completions of poll, each asked once by the driver and once by the reference.
    expect(asked).toBe(8)
  })

  it('hands out steps that callers may change', () => {
    const driver = new MachineDriver(approval.machine)
    const view: EdgeView = { input: {}, state: {}, output: {} }
    const first = driver.start()
    first.position.value = 'changed'
    const next = driver.complete(driver.start().position, 'draft', undefined, view)
    next.position.value = 'changed'
    expect(driver.start().position).toEqual({ value: 'draft' })
    expect(driver.complete({ value: 'draft' }, 'draft', undefined, view).position).toEqual({
      value: 'review',
    })
  })

  it('keeps a hand-built machine’s context and actions, like XState', () => {
    const machine = setup({
      types: { context: {} as { rounds: number; log: string[] } },
      actors: { ask: body, finish: body },
    }).createMachine({
      id: 'handBuilt',
      initial: 'asking',
      context: () => ({ rounds: 0, log: [] }),
      output: ({ context }) => context.rounds,
      states: {
        asking: {
          entry: assign({ log: ({ context }) => [...context.log, 'asked'] }),
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
    const path = walk(machine, [true, true, false, 'finished'])
    expect(path.at(-1)).toEqual({
      position: { value: 'done', context: { rounds: 2, log: ['asked', 'asked', 'asked'] } },
      next: { kind: 'done', output: 2 },
    })
  })

  it('re-spawns nodes invoked under a systemId on every visit, like XState', () => {
    // Each visit registers the node's actor in the scope's system under its systemId; a scope
    // reused as it is would refuse the next visit ("Actor with system ID … already exists").
    const machine = setup({ actors: { work: body } }).createMachine({
      id: 'systemIds',
      initial: 'working',
      states: {
        working: {
          invoke: {
            id: 'work',
            src: 'work',
            systemId: 'worker',
            onDone: [
              { target: 'working', reenter: true, guard: ({ event }) => event.output === 'again' },
              { target: 'done' },
            ],
          },
        },
        done: { type: 'final' },
      },
    })
    const path = walk(machine, ['again', 'again', 'again', 'stop'])
    expect(path.map((s) => s.next.kind)).toEqual(['node', 'node', 'node', 'node', 'done'])
  })

  it('recovers from a guard that throws', () => {
    let explode = true
    const machine = setup({ actors: { a: body, b: body } }).createMachine({
      id: 'throwing',
      initial: 'a',
      states: {
        a: {
          invoke: {
            id: 'a',
            src: 'a',
            onDone: {
              target: 'b',
              guard: () => {
                if (explode) throw new Error('guard failed')
                return true
              },
            },
          },
        },
        b: { invoke: { id: 'b', src: 'b', onDone: 'done' } },
        done: { type: 'final' },
      },
    })
    const driver = new MachineDriver(machine)
    const { position } = driver.start()
    const view: EdgeView = { input: {}, state: {}, output: {} }
    expect(() => driver.complete(position, 'a', 1, view)).toThrow(/guard failed/)
    explode = false
    expect(driver.complete(position, 'a', 1, view)).toEqual(
      reference(machine).complete(position, 'a', 1, view),
    )
  })
})
