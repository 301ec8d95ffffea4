import type { RequestInput } from './request-input.js'

/**
 * What a node body receives.
 *
 * @example
 * ```ts
 * review: async ({ state, requestInput, step }) => {
 *   await step('notify', () => mailer.send(state.reviewer))   // once, even across replays
 *   return requestInput({ id: 'approve', prompt: 'Approve?' })
 * }
 * ```
 */
export interface NodeContext<TInput = unknown, TState = unknown, TOutputs = NodeOutputs> {
  /** The run's input, validated at start. */
  readonly input: TInput
  /** Shared state; mutate it freely. Persisted (and validated) when the node completes. */
  state: TState
  /** The latest output of each node that has completed, by node id. */
  readonly output: TOutputs
  /** Which node this is, and which visit of it (1 on the first, 2 when a loop comes back). */
  readonly node: { readonly id: string; readonly visit: number }
  readonly runId: string
  /** Asks a person for input; the node pauses until it is answered. */
  readonly requestInput: RequestInput
  /**
   * Runs `fn` once per run, node visit and key, stores its result, and returns the stored result
   * when the node is replayed. Put side effects and expensive calls before a pause here.
   */
  step<T>(key: string, fn: () => T | Promise<T>): Promise<T>
  /** True while the node re-executes code that already ran in an earlier execution of this visit. */
  readonly isReplaying: boolean
  /** Aborts when the run is cancelled or this execution is superseded. */
  readonly signal: AbortSignal
}

/** Node outputs by node id, when nothing more precise is known. */
export type NodeOutputs = Readonly<Record<string, unknown>>
