/** Where a run is in its life. */
export type WorkflowStatus = 'running' | 'waiting_for_input' | 'completed' | 'failed' | 'cancelled'

/**
 * The statuses as constants.
 *
 * @example
 * ```ts
 * if (engine.executionState.status === WorkflowStatus.WAITING_FOR_INPUT) showInbox()
 * ```
 */
export const WorkflowStatus = {
  RUNNING: 'running',
  WAITING_FOR_INPUT: 'waiting_for_input',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const satisfies Record<string, WorkflowStatus>

const statuses: ReadonlySet<string> = new Set(Object.values(WorkflowStatus))

/** True when `value` names a status. */
export function isWorkflowStatus(value: unknown): value is WorkflowStatus {
  return typeof value === 'string' && statuses.has(value)
}

/** True for statuses a run never leaves on its own. */
export function isFinished(status: WorkflowStatus): boolean {
  return status === 'completed' || status === 'cancelled'
}

/** The node in flight, as `currentNodes` lists it: none once the run has finished. */
export function currentNodes(nodeId: string | null, status: WorkflowStatus): string[] {
  return nodeId === null || isFinished(status) ? [] : [nodeId]
}
