import { HoldpointError, type ExecutionState, type WorkflowEngine } from 'holdpoint'

/**
 * Runs a new run (started or forked) here until it halts (201), or leaves it to the workers when
 * asked to (202). A retried idempotent start may find the first request still executing the run:
 * that is no error, the run is in progress elsewhere, and its current state is returned with 202.
 *
 * @example
 * ```ts
 * const { state, status } = await runToHalt(engine, body?.background)
 * return c.json(toRunState(state), status)
 * ```
 */
export async function runToHalt(
  engine: WorkflowEngine,
  background: boolean | undefined,
): Promise<{ state: ExecutionState; status: 201 | 202 }> {
  if (background) return { state: engine.executionState, status: 202 }
  try {
    return { state: await engine.run(), status: 201 }
  } catch (error) {
    if (!HoldpointError.is(error, 'RUN_LEASED')) throw error
    return { state: engine.executionState, status: 202 }
  }
}
