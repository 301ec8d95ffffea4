import type { AnyWorkflow } from 'holdpoint'

/**
 * A workflow as a graph, for UIs to draw, as `GET /workflows` lists it.
 *
 * @example
 * ```ts
 * const graph: WorkflowGraph = workflowGraph(approval)
 * for (const edge of graph.edges) console.log(`${edge.from} -> ${edge.to}${edge.guarded ? ' (if)' : ''}`)
 * ```
 */
export interface WorkflowGraph {
  id: string
  version: number
  /** The node a run starts at (`null` only for a machine without an initial state). */
  start: string | null
  /** Nodes by node id (the invoke id), and final states by their key. */
  nodes: { id: string; kind: 'node' | 'final' }[]
  /** In the order they are tried; edges that an unguarded one before them hides are left out. */
  edges: { from: string; to: string; guarded: boolean }[]
}

/** The parts of an XState state node the graph needs. */
interface StateNodeLike {
  key: string
  type: string
  states: Record<string, StateNodeLike>
  invoke: readonly { id: string }[]
  transitions: Map<
    string,
    readonly { target?: readonly StateNodeLike[] | undefined; guard?: unknown }[]
  >
  initial?: { target: readonly StateNodeLike[] } | undefined
}

const doneEvent = 'xstate.done.actor.'

/**
 * Reads nodes and edges off a workflow's XState machine: each state that invokes a node body is
 * a node, each final state an end, and each transition on a node's done event an edge.
 *
 * @example
 * ```ts
 * workflowGraph(approval).edges // [{ from: 'draft', to: 'review', guarded: false }, …]
 * ```
 */
export function workflowGraph(workflow: AnyWorkflow): WorkflowGraph {
  const root = workflow.machine.root as unknown as StateNodeLike
  const nodes: WorkflowGraph['nodes'] = []
  const edges: WorkflowGraph['edges'] = []
  const visit = (state: StateNodeLike): void => {
    const invoked = state.invoke[0]
    if (invoked) {
      nodes.push({ id: invoked.id, kind: 'node' })
      for (const transition of state.transitions.get(doneEvent + invoked.id) ?? []) {
        const target = transition.target?.[0]
        const to = target && nodeIdOf(target)
        if (to !== undefined)
          edges.push({ from: invoked.id, to, guarded: Boolean(transition.guard) })
        // What follows an unguarded transition can never be taken.
        if (!transition.guard) break
      }
    } else if (state.type === 'final') {
      nodes.push({ id: state.key, kind: 'final' })
    }
    for (const child of Object.values(state.states)) visit(child)
  }
  visit(root)
  const first = root.initial?.target[0]
  return {
    id: workflow.id,
    version: workflow.version,
    start: (first && nodeIdOf(first)) ?? null,
    nodes,
    edges,
  }
}

/** The node a transition into `state` lands on: its invoke, its final key, or its initial child's. */
function nodeIdOf(state: StateNodeLike): string | undefined {
  const invoked = state.invoke[0]
  if (invoked) return invoked.id
  if (state.type === 'final') return state.key
  const next = state.initial?.target[0]
  return next && nodeIdOf(next)
}
