import type { AnyStateMachine } from 'xstate'
import type { z } from 'zod'
import { InvalidDefinitionError } from '../errors.js'
import { compileMachine, type EdgeConfig } from './compile-machine.js'
import type { NodeContext, NodeOutputs } from './node-context.js'
import type { NodeBody } from './node.js'

type AnySchema = z.ZodType

/** Node outputs by node id, typed from the node bodies' return types. */
export type OutputsOf<TNodes> = { readonly [K in keyof TNodes]: Awaited<TNodes[K]> }

/** What an edge's `when` sees: the run's data, including the output of the node just finished. */
export interface EdgeView<
  TInput = unknown,
  TState = unknown,
  TOutputs = Readonly<Record<string, unknown>>,
> {
  readonly input: TInput
  readonly state: TState
  readonly output: TOutputs
}

type InputOf<S> = S extends AnySchema ? z.output<S> : undefined
type StateOf<S> = S extends AnySchema ? z.output<S> : Record<string, unknown>

/** `defineWorkflow` options for a workflow described by nodes and edges. */
export interface NodesWorkflowConfig<
  TId extends string,
  TInputSchema extends AnySchema | undefined,
  TStateSchema extends AnySchema | undefined,
  TNodes extends Record<string, unknown>,
> {
  /** The workflow's name; runs record it. */
  id: TId
  /** Bump it when node code changes in a way replay would notice; runs record it. */
  version: number
  /** Validates the run input at start. */
  input?: TInputSchema
  /** Shapes the shared state: parsed from `{}` (or the start option `state`) at start, validated at every checkpoint. */
  state?: TStateSchema
  /** The first node. */
  start: NoInfer<keyof TNodes & string>
  /**
   * Node bodies by node id. Inside a body, `output` is untyped (`unknown` per node): node output
   * types are inferred from the bodies themselves, so a body cannot also be typed by them. Keep
   * data that later nodes read in the typed `state`; edges see fully typed outputs.
   */
  nodes: {
    [K in keyof TNodes]: NodeBody<
      NodeContext<InputOf<TInputSchema>, StateOf<TStateSchema>, NodeOutputs>,
      TNodes[K]
    >
  }
  /** Transitions; the first whose `from` matches and whose `when` passes is taken. */
  edges?: ReadonlyArray<{
    from: NoInfer<keyof TNodes & string>
    to: NoInfer<keyof TNodes & string>
    when?: (
      view: EdgeView<InputOf<TInputSchema>, StateOf<TStateSchema>, OutputsOf<TNodes>>,
    ) => boolean
  }>
}

/** `defineWorkflow` options for a workflow given as your own XState machine. */
export interface MachineWorkflowConfig<
  TId extends string,
  TInputSchema extends AnySchema | undefined,
  TStateSchema extends AnySchema | undefined,
> {
  id: TId
  version: number
  input?: TInputSchema
  state?: TStateSchema
  /**
   * A machine from `setup({ actors }).createMachine(…)`. Each node is a state that invokes a
   * registered promise actor with an explicit `id` (the node id); the actor's input is the node
   * context. Holdpoint sends the done event itself, enriched with `holdpoint: { input, state, output }`.
   */
  machine: AnyStateMachine
}

const workflowBrand = Symbol.for('holdpoint.workflow')

/** A workflow definition, ready to register with `createHoldpoint`. */
export interface Workflow<TId extends string = string, TInput = unknown, TState = unknown> {
  readonly id: TId
  readonly version: number
  /** The XState machine the workflow runs as; tools can draw it. */
  readonly machine: AnyStateMachine
  readonly inputSchema: AnySchema | undefined
  readonly stateSchema: AnySchema | undefined
  /** Node ids in definition order. */
  readonly nodeIds: readonly string[]
  /** @internal Types only. */
  readonly __types?: { input: TInput; state: TState }
}

/** The workflows `createHoldpoint` accepts. */
export type AnyWorkflow = Workflow<string, unknown, unknown>

/**
 * Defines a workflow: nodes (async bodies) connected by edges, compiled to an XState machine.
 *
 * @example
 * ```ts
 * const approval = defineWorkflow({
 *   id: 'approval',
 *   version: 1,
 *   input: z.object({ topic: z.string() }),
 *   state: z.object({ draft: z.string().default('') }),
 *   start: 'draft',
 *   nodes: {
 *     draft: async ({ input, state }) => { state.draft = `Draft for ${input.topic}` },
 *     review: async ({ state, requestInput }) =>
 *       requestInput({ id: 'approve', prompt: state.draft, schema: z.object({ approved: z.boolean() }) }),
 *     publish: async ({ state }) => ({ published: state.draft }),
 *   },
 *   edges: [
 *     { from: 'draft', to: 'review' },
 *     { from: 'review', to: 'publish', when: ({ output }) => output.review.approved },
 *     { from: 'review', to: 'draft' },
 *   ],
 * })
 * ```
 */
export function defineWorkflow<
  const TId extends string,
  TInputSchema extends AnySchema | undefined = undefined,
  TStateSchema extends AnySchema | undefined = undefined,
  TNodes extends Record<string, unknown> = Record<string, unknown>,
>(
  config:
    | NodesWorkflowConfig<TId, TInputSchema, TStateSchema, TNodes>
    | MachineWorkflowConfig<TId, TInputSchema, TStateSchema>,
): Workflow<TId, InputOf<TInputSchema>, StateOf<TStateSchema>> {
  if (typeof config.id !== 'string' || config.id.length === 0) {
    throw new InvalidDefinitionError('A workflow needs a non-empty string id.')
  }
  if (!Number.isSafeInteger(config.version) || config.version < 1) {
    throw new InvalidDefinitionError(
      `Workflow "${config.id}" needs a positive integer version, got ${String(config.version)}.`,
    )
  }
  const machine =
    'machine' in config
      ? config.machine
      : compileMachine(
          config.id,
          config.start,
          config.nodes as Record<string, NodeBody<never>>,
          (config.edges ?? []) as readonly EdgeConfig[],
        )
  const workflow: Workflow<TId, InputOf<TInputSchema>, StateOf<TStateSchema>> = {
    id: config.id,
    version: config.version,
    machine,
    inputSchema: config.input,
    stateSchema: config.state,
    nodeIds: 'machine' in config ? invokedNodeIds(machine) : Object.keys(config.nodes),
  }
  Object.defineProperty(workflow, workflowBrand, { value: true })
  return Object.freeze(workflow)
}

/** True for objects made by `defineWorkflow` (in any copy of this package). */
export function isWorkflow(value: unknown): value is AnyWorkflow {
  return typeof value === 'object' && value !== null && workflowBrand in value
}

function invokedNodeIds(machine: AnyStateMachine): string[] {
  const ids: string[] = []
  const visit = (stateNode: AnyStateMachine['root']): void => {
    for (const invoke of stateNode.invoke) ids.push(invoke.id)
    for (const child of Object.values(stateNode.states)) visit(child)
  }
  visit(machine.root)
  if (ids.length === 0) {
    throw new InvalidDefinitionError(
      `Machine "${machine.id}" invokes no actors; each node must be a state that invokes its body.`,
    )
  }
  return ids
}
