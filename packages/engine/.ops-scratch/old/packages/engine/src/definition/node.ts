import { fromPromise, type PromiseActorLogic } from 'xstate'
import type { NodeContext } from './node-context.js'

/** A node body: an async function of the node context. Its return value is the node's output. */
export type NodeBody<TContext = NodeContext, TOutput = unknown> = (
  ctx: TContext,
) => Promise<TOutput> | TOutput

/**
 * The XState actor logic of a node: a promise actor. Holdpoint passes the node context as its
 * input, so a machine's `invoke` does not declare one.
 */
export type NodeLogic<TOutput = unknown> = PromiseActorLogic<TOutput, unknown>

/**
 * Wraps a node body as XState actor logic, for workflows built from your own `setup()` machine.
 * Holdpoint runs the body itself (so every node completion is checkpointed before the next node
 * starts); any promise actor whose input is the node context works the same way.
 *
 * @example
 * ```ts
 * const machine = setup({
 *   actors: { review: node(async (ctx) => ctx.requestInput({ id: 'approve' })) },
 * }).createMachine({
 *   initial: 'review',
 *   states: { review: { invoke: { id: 'review', src: 'review', onDone: 'done' } }, done: { type: 'final' } },
 * })
 * ```
 */
export function node<TOutput, TContext = NodeContext>(
  body: NodeBody<TContext, TOutput>,
): NodeLogic<TOutput> {
  return fromPromise<TOutput, unknown>(async ({ input }) => body(input as TContext))
}
