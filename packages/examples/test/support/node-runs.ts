import type { NodeRun, Trace } from '../../src/trace.js'

/** Records every node body execution, to count them. */
export interface NodeRuns {
  readonly trace: Trace
  readonly all: readonly NodeRun[]
  /** Executions of `node` (of one visit, when given). */
  count(node: string, visit?: number): number
  /** Executions of `node` that replayed an earlier execution. */
  replays(node: string): number
}

/**
 * A trace that keeps every execution it sees.
 *
 * @example
 * ```ts
 * const runs = nodeRuns()
 * const workflow = createApprovalWorkflow({ trace: runs.trace })
 * // …
 * expect(runs.count('requestApproval')).toBe(2)
 * ```
 */
export function nodeRuns(): NodeRuns {
  const all: NodeRun[] = []
  return {
    trace: (run) => void all.push(run),
    all,
    count: (node, visit) =>
      all.filter((r) => r.node === node && (visit === undefined || r.visit === visit)).length,
    replays: (node) => all.filter((r) => r.node === node && r.replaying).length,
  }
}
