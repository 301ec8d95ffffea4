import type { NodeContext } from 'holdpoint'

/** One execution of a node body, as a trace sees it. */
export interface NodeRun {
  node: string
  visit: number
  /** True when the body re-runs code an earlier execution of this visit already ran. */
  replaying: boolean
}

/**
 * Called at the top of every node body in these examples. Code before an `await requestInput()`
 * runs again when another process resumes the run, so it must be safe to repeat: a log line is,
 * which makes a trace the honest way to watch bodies run (the tests count executions with it).
 */
export type Trace = (run: NodeRun) => void

/**
 * Reports one body execution to `trace`, if there is one.
 *
 * @example
 * ```ts
 * review: async (ctx) => {
 *   traceNode(options.trace, ctx)
 *   return ctx.requestInput({ id: 'review' })
 * }
 * ```
 */
export function traceNode(
  trace: Trace | undefined,
  ctx: Pick<NodeContext, 'node' | 'isReplaying'>,
): void {
  trace?.({ node: ctx.node.id, visit: ctx.node.visit, replaying: ctx.isReplaying })
}
