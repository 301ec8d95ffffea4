import {
  createActor,
  createEmptyActor,
  getStateNodes,
  type AnyActorLogic,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type ExecutableActionObject,
  type StateValue,
} from 'xstate'
import { isCompiledMachine, RUN_VIEW_KEY } from '../definition/compile-machine.js'
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

/** Where a step of the machine leaves it. */
interface Step {
  position: MachinePosition
  next: NextStep
}

/** One transition of a machine: in a compiled workflow, an edge. */
type Edge = ReturnType<AnyStateMachine['getTransitionData']>[number]

type PromiseCreator = (args: {
  input: NodeContext
  signal: AbortSignal
  self: undefined
  system: undefined
  emit: () => void
}) => PromiseLike<unknown>

/**
 * Drives a workflow's XState machine with pure transitions: the engine runs node bodies itself,
 * so that each node completion is checkpointed before the next one starts; the machine decides
 * where each completion leads.
 */
export class MachineDriver {
  readonly #machine: AnyStateMachine
  readonly #bodies = new Map<string, PromiseCreator>()
  /** An inert actor scope free for the next step (see `#pureStep`). */
  #idleScope: AnyActorScope | undefined
  /** For a machine from `compileMachine` (see `#followEdge`); undefined for hand-built ones. */
  readonly #compiled:
    { start?: Step; states: Map<string, AnyMachineSnapshot>; edges: Map<Edge, Step> } | undefined

  constructor(machine: AnyStateMachine) {
    this.#machine = machine
    this.#compiled = isCompiledMachine(machine)
      ? { states: new Map(), edges: new Map() }
      : undefined
  }

  /** The position and first node of a new run. */
  start(): Step {
    // A compiled machine has no context to compute: every run starts the same way.
    if (this.#compiled?.start) return copyStep(this.#compiled.start)
    const [snapshot, actions] = this.#pureStep((scope) =>
      this.#machine.getInitialSnapshot(scope, undefined),
    )
    const step = this.#settle(snapshot, actions)
    if (this.#compiled) this.#compiled.start = copyStep(step)
    return step
  }

  /** Applies a node's completion and returns the new position and what comes next. */
  complete(position: MachinePosition, nodeId: string, output: unknown, view: EdgeView): Step {
    const event = {
      type: `xstate.done.actor.${nodeId}`,
      actorId: nodeId,
      output,
      [RUN_VIEW_KEY]: view,
    }
    const followed = this.#followEdge(position, event)
    if (followed) return followed
    const snapshot = this.#machine.resolveState({
      value: position.value,
      context: position.context ?? {},
    })
    const [next, actions] = this.#pureStep((scope) =>
      this.#machine.transition(snapshot, event, scope),
    )
    return this.#settle(next, actions)
  }

  /** Calls a node's body (its promise actor logic) with the node context. */
  runBody(nodeId: string, ctx: NodeContext): Promise<unknown> {
    const body = this.#body(nodeId)
    const args = {
      input: ctx,
      // Read when the body asks for it: the signal is made on first use (see `NodeExecution`).
      get signal() {
        return ctx.signal
      },
      self: undefined,
      system: undefined,
      emit: () => {},
    }
    return Promise.resolve(body(args))
  }

  /**
   * A node completion in a machine from `compileMachine`, without a full XState step: XState still
   * selects the edge, evaluating the `when` guards in order on every call, but since such a machine
   * has no context and no actions, where the edge leads depends on the edge alone; XState resolves
   * its target state once per edge, and that step is reused. Undefined when XState does not select
   * exactly one edge to one target (the full step then decides, as for hand-built machines).
   */
  #followEdge(position: MachinePosition, event: { type: string }): Step | undefined {
    const compiled = this.#compiled
    if (!compiled || typeof position.value !== 'string' || position.context) return undefined
    let source = compiled.states.get(position.value)
    if (!source) {
      source = this.#machine.resolveState({ value: position.value, context: {} })
      compiled.states.set(position.value, source)
    }
    const edges: Edge[] = this.#machine.getTransitionData(source, event)
    const edge = edges.length === 1 ? edges[0] : undefined
    const target = edge?.target?.length === 1 ? edge.target[0] : undefined
    if (!edge || !target || target.parent !== this.#machine.root) return undefined
    let step = compiled.edges.get(edge)
    if (!step) {
      step = this.#settle(this.#machine.resolveState({ value: target.key, context: {} }), [])
      compiled.edges.set(edge, step)
    }
    return copyStep(step)
  }

  /**
   * Runs one step of the machine without executing its actions: what XState's `transition()` and
   * `initialTransition()` do. Those build a throwaway inert actor scope for every call, whose
   * `Actor` computes the machine's initial snapshot (entering its first state and creating that
   * state's child actor) only to be discarded: about half the cost of a transition, in a profile
   * of the benchmark's resumes. Here one scope serves every step. A step reads `self` but leaves
   * it alone; the only state it can leave behind is an actor registered in the scope's system
   * under a `systemId`. A scope whose system holds one is dropped, so that the next step spawning
   * the same `systemId` gets a clean system, as it would from `transition()`.
   */
  #pureStep(
    step: (scope: AnyActorScope) => AnyMachineSnapshot,
  ): [AnyMachineSnapshot, ExecutableActionObject[]] {
    // Taken while in use: a step that throws, or a guard that re-enters, never shares a scope.
    const scope = this.#idleScope ?? this.#inertScope()
    this.#idleScope = undefined
    const actions: ExecutableActionObject[] = []
    scope.actionExecutor = (action) => void actions.push(action)
    const snapshot = step(scope)
    if (Object.keys(scope.system.getAll()).length === 0) this.#idleScope = scope
    return [snapshot, actions]
  }

  /** An actor scope that executes nothing, built like XState's own (`createInertActorScope`). */
  #inertScope(): AnyActorScope {
    const self = createActor(this.#machine)
    // The constructor computed an initial snapshot in the actor's system, which may have
    // registered actors under a `systemId`; steps get a system of their own, as in XState.
    self.system = createEmptyActor().system
    return {
      self,
      id: '',
      sessionId: '',
      logger: () => {},
      defer: () => {},
      stopChild: () => {},
      emit: () => {},
      system: self.system,
      actionExecutor: () => {},
    }
  }

  #settle(snapshot: AnyMachineSnapshot, actions: readonly ExecutableActionObject[]): Step {
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

/** A step to hand out, so that no caller can change one that is kept for reuse. */
function copyStep(step: Step): Step {
  return { position: { ...step.position }, next: { ...step.next } }
}
