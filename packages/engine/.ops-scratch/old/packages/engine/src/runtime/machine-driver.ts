import {
  getStateNodes,
  initialTransition,
  transition,
  type AnyActorLogic,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type StateValue,
} from 'xstate'
import { RUN_VIEW_KEY } from '../definition/compile-machine.js'
import type { NodeContext } from '../definition/node-context.js'
import type { EdgeView } from '../definition/workflow.js'
import { InvalidDefinitionError } from '../errors.js'
import { toJson, type JsonObject } from '../json.js'

/** Where the machine is, in the form a checkpoint stores. */
export interface MachinePosition {
  value: StateValue
  /** The machine's own context, when it has one (hand-built machines). */
  context?: JsonObject
}

/** What the machine does next. */
export type NextStep = { kind: 'node'; nodeId: string } | { kind: 'done'; output: unknown }

type PromiseCreator = (args: {
  input: NodeContext
  signal: AbortSignal
  self: undefined
  system: undefined
  emit: () => void
}) => PromiseLike<unknown>

/**
 * Drives a workflow's XState machine with XState's pure transition functions. The engine runs
 * node bodies itself, so that each node completion is checkpointed before the next one starts;
 * the machine decides where each completion leads.
 */
export class MachineDriver {
  readonly #machine: AnyStateMachine
  readonly #bodies = new Map<string, PromiseCreator>()

  constructor(machine: AnyStateMachine) {
    this.#machine = machine
  }

  /** The position and first node of a new run. */
  start(): { position: MachinePosition; next: NextStep } {
    const [snapshot, actions] = initialTransition(this.#machine)
    return this.#settle(snapshot, actions)
  }

  /** Applies a node's completion and returns the new position and what comes next. */
  complete(
    position: MachinePosition,
    nodeId: string,
    output: unknown,
    view: EdgeView,
  ): { position: MachinePosition; next: NextStep } {
    const snapshot = this.#machine.resolveState({
      value: position.value,
      context: position.context ?? {},
    })
    const [next, actions] = transition(this.#machine, snapshot, {
      type: `xstate.done.actor.${nodeId}`,
      actorId: nodeId,
      output,
      [RUN_VIEW_KEY]: view,
    })
    return this.#settle(next, actions)
  }

  /** Calls a node's body (its promise actor logic) with the node context. */
  runBody(nodeId: string, ctx: NodeContext): Promise<unknown> {
    const body = this.#body(nodeId)
    return Promise.resolve(
      body({ input: ctx, signal: ctx.signal, self: undefined, system: undefined, emit: () => {} }),
    )
  }

  #settle(
    snapshot: AnyMachineSnapshot,
    actions: ReadonlyArray<{ type: string; params?: unknown }>,
  ): { position: MachinePosition; next: NextStep } {
    const context = snapshot.context as unknown
    const position: MachinePosition = { value: snapshot.value }
    if (context && typeof context === 'object' && Object.keys(context).length > 0) {
      position.context = toJson(context, 'The machine context') as JsonObject
    }
    if (snapshot.status === 'done')
      return { position, next: { kind: 'done', output: snapshot.output } }
    const spawns = actions.filter((a) => a.type === 'xstate.spawnChild')
    const invoked =
      spawns.length > 0
        ? spawns.map((a) => (a.params as { id: string }).id)
        : getStateNodes(this.#machine.root, snapshot.value).flatMap((n) =>
            n.invoke.map((i) => i.id),
          )
    if (invoked.length !== 1) {
      throw new InvalidDefinitionError(
        invoked.length === 0
          ? `Machine "${this.#machine.id}" is in state ${JSON.stringify(snapshot.value)}, which invokes no node and is not final.`
          : `Machine "${this.#machine.id}" runs ${invoked.join(', ')} at once; one node at a time is supported.`,
      )
    }
    return { position, next: { kind: 'node', nodeId: invoked[0] as string } }
  }

  #body(nodeId: string): PromiseCreator {
    const cached = this.#bodies.get(nodeId)
    if (cached) return cached
    const invoke = this.#findInvoke(nodeId)
    const logic: AnyActorLogic | undefined =
      typeof invoke.src === 'string'
        ? (this.#machine.implementations.actors[invoke.src] as AnyActorLogic | undefined)
        : invoke.src
    const creator = (logic as { config?: unknown } | undefined)?.config
    if (typeof creator !== 'function') {
      throw new InvalidDefinitionError(
        `Node "${nodeId}" of machine "${this.#machine.id}" must invoke a promise actor registered with setup({ actors }) (for example node(async (ctx) => …)).`,
      )
    }
    this.#bodies.set(nodeId, creator as PromiseCreator)
    return creator as PromiseCreator
  }

  #findInvoke(nodeId: string): AnyStateMachine['root']['invoke'][number] {
    const stack = [this.#machine.root]
    for (let stateNode = stack.pop(); stateNode; stateNode = stack.pop()) {
      const found = stateNode.invoke.find((i) => i.id === nodeId)
      if (found) return found
      stack.push(...Object.values(stateNode.states))
    }
    throw new InvalidDefinitionError(`Machine "${this.#machine.id}" has no node "${nodeId}".`)
  }
}
