import { HoldpointError, type ExecutionState, type WorkflowEngine } from 'holdpoint'

/**
 * Runs a new run (started or forked) here until it halts. A retried idempotent start may find the
 * first request still executing the run: that is no error, the run is in progress elsewhere, and
 * its current state is returned with `inProgress`.
 *
 * @example
 * ```ts
 * const { state, inProgress } = await runToHalt(engine)
 * return c.json(toRunState(state), inProgress ? 202 : 201)
 * ```
 */
export async function runToHalt(
  engine: WorkflowEngine,
): Promise<{ state: ExecutionState; inProgress: boolean }> {
  try {
    return { state: await engine.run(), inProgress: false }
  } catch (error) {
    if (!HoldpointError.is(error, 'RUN_LEASED')) throw error
    return { state: engine.executionState, inProgress: true }
  }
}
