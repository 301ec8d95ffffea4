import type { WorkflowStatus } from '../status.js'
import { HoldpointError } from './holdpoint-error.js'

// Errors about a run as a whole: finding it, owning it, its version, its status.

/** No run has this id in the store. */
export class RunNotFoundError extends HoldpointError {
  constructor(readonly runId: string) {
    super('RUN_NOT_FOUND', `No run with id "${runId}" exists in this store.`)
  }
}

/** Another writer changed the run first; this writer's progress was discarded. */
export class ConcurrentModificationError extends HoldpointError {
  constructor(readonly runId: string) {
    super(
      'CONCURRENT_MODIFICATION',
      `Run "${runId}" was changed by another writer; this change was discarded. Load the run again to see its current state.`,
    )
  }
}

/** The run was recorded with a workflow version this process does not register. */
export class VersionMismatchError extends HoldpointError {
  constructor(
    readonly workflowId: string,
    readonly version: number,
    readonly registered: readonly number[],
  ) {
    super(
      'VERSION_MISMATCH',
      `Workflow "${workflowId}" version ${version} is not registered here: this process registers ` +
        (registered.length > 0 ? `only version ${registered.join(', ')}` : 'no version of it') +
        `. Register version ${version} alongside the new one until its runs have finished.`,
    )
  }
}

/** No workflow with this id is registered. */
export class WorkflowNotFoundError extends HoldpointError {
  constructor(
    readonly workflowId: string,
    readonly registered: readonly string[],
  ) {
    super(
      'WORKFLOW_NOT_FOUND',
      `No workflow "${workflowId}" is registered. Registered: ${registered.length > 0 ? registered.join(', ') : 'none'}.`,
    )
  }
}

/** The run was cancelled while the node was waiting. */
export class RunCancelledError extends HoldpointError {
  constructor(
    readonly runId: string,
    readonly reason: string | undefined,
  ) {
    super('RUN_CANCELLED', `Run "${runId}" was cancelled${reason ? `: ${reason}` : ''}.`)
  }
}

/** `retry()` was called on a run that has not failed. */
export class RunNotFailedError extends HoldpointError {
  constructor(
    readonly runId: string,
    readonly status: WorkflowStatus,
  ) {
    super('RUN_NOT_FAILED', `Run "${runId}" is ${status}; only a failed run can be retried.`)
  }
}

/** Another process holds the run's lease: it is executing the run right now. */
export class RunLeasedError extends HoldpointError {
  constructor(
    readonly runId: string,
    readonly owner: string,
    readonly until: Date,
  ) {
    super(
      'RUN_LEASED',
      `Run "${runId}" is being executed by ${owner} (lease until ${until.toISOString()}). It continues there; if that process died, any process may take the run over once the lease has run out.`,
    )
  }
}
