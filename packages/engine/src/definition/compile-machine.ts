import { setup, type AnyStateMachine } from 'xstate'
import { InvalidDefinitionError } from '../errors.js'
import { node, type NodeBody } from './node.js'
import type { EdgeView } from './workflow.js'

/** The final state a run reaches when no edge leads on. */
export const COMPLETED_STATE = '__completed'

const nodeIdPattern = /^[A-Za-z][\w-]*$/

const compiledMachines = new WeakSet<AnyStateMachine>()

/**
 * True for machines made by `compileMachine`: flat, without context or actions, each state only
 * invoking its node's body. Where one of their edges leads depends on the edge alone.
 */
export function isCompiledMachine(machine: AnyStateMachine): boolean {
  return compiledMachines.has(machine)
}

/** One edge as `defineWorkflow` receives it. */
export interface EdgeConfig {
  from: string
  to: string
  when?: (view: EdgeView) => boolean
}

/**
 * Turns nodes and edges into an XState machine: each node is a state invoking its body as a
 * promise actor, and each edge is a guarded transition on that invoke's `onDone`. The first
 * matching edge wins; when none matches, the run completes.
 */
export function compileMachine(
  workflowId: string,
  start: string,
  nodes: Readonly<Record<string, NodeBody<never>>>,
  edges: readonly EdgeConfig[],
): AnyStateMachine {
  const ids = Object.keys(nodes)
  if (ids.length === 0) throw new InvalidDefinitionError(`Workflow "${workflowId}" has no nodes.`)
  for (const id of ids) {
    if (!nodeIdPattern.test(id)) {
      throw new InvalidDefinitionError(
        `Node id "${id}" in workflow "${workflowId}" must start with a letter and contain only letters, digits, "_" and "-".`,
      )
    }
  }
  const known = (id: string, role: string): void => {
    if (!Object.hasOwn(nodes, id)) {
      throw new InvalidDefinitionError(
        `Workflow "${workflowId}": ${role} "${id}" is not a node. Nodes: ${ids.join(', ')}.`,
      )
    }
  }
  known(start, 'start')
  for (const edge of edges) {
    known(edge.from, 'edge source')
    known(edge.to, 'edge target')
  }

  const actors = Object.fromEntries(ids.map((id) => [id, node(nodes[id] as NodeBody<unknown>)]))
  const states = Object.fromEntries(
    ids.map((id) => [
      id,
      {
        invoke: {
          id,
          src: id,
          onDone: [
            ...edges
              .filter((edge) => edge.from === id)
              .map((edge) => {
                const when = edge.when
                return when
                  ? {
                      target: edge.to,
                      guard: ({ event }: { event: unknown }) => when(viewOf(event)),
                    }
                  : { target: edge.to }
              }),
            { target: COMPLETED_STATE },
          ],
        },
      },
    ]),
  )
  const machine = setup({ actors }).createMachine({
    id: workflowId,
    initial: start,
    states: { ...states, [COMPLETED_STATE]: { type: 'final' } },
  } as never) as unknown as AnyStateMachine
  compiledMachines.add(machine)
  return machine
}

/** Holdpoint attaches the run's data to each node's done event, under this key. */
export const RUN_VIEW_KEY = 'holdpoint'

function viewOf(event: unknown): EdgeView {
  return (event as Record<typeof RUN_VIEW_KEY, EdgeView>)[RUN_VIEW_KEY]
}
