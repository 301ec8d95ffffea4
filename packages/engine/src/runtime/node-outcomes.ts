import { HoldpointError } from '../errors.js'
import { jsonEqual, toJson, type JsonObject, type JsonValue } from '../json.js'
import type { WorkflowStatus } from '../status.js'
import { newEvent, nodeStarted, type EventError } from '../history/run-event.js'
import type { NewRunEvent, RunFields, Scheduling, SerializedError } from '../store/store.js'
import type { MachineDriver } from './machine-driver.js'
import type { NodeExecution } from './node-execution.js'
import { mayRetry, retryDelay } from './retry-policy.js'
import { dropExecution, type RunContext } from './run-context.js'
import { serializeError } from './serialize-error.js'
import { validateState } from './validate-state.js'

// What becomes of a node execution: a pause, a completion (and the machine's next step), a
// failure retried under the node's policy, or a failure that fails the run.

export async function pauseNode(ctx: RunContext, live: NodeExecution): Promise<void> {
  const requests = live.newRequests()
  const open = [...ctx.writer.run.requests.filter((r) => r.status === 'open'), ...requests]
  const status: WorkflowStatus = open.length > 0 ? 'waiting_for_input' : 'running'
  const holding = ctx.writer.run.lease?.owner === ctx.host.owner
  if (requests.length === 0 && status === ctx.writer.run.status && !holding) return
  const written = await ctx.writer.write(
    { status },
    {
      scheduling: ctx.writer.resting(live),
      newRequests: requests,
      events: [
        ...requests.map((r) =>
          newEvent('input_requested', { requestId: r.requestId, node: r.nodeId, visit: r.visit }),
        ),
        ...(status === 'waiting_for_input' && requests.length > 0
          ? [newEvent('run_waiting', { requestIds: open.map((r) => r.requestId) })]
          : []),
      ],
    },
  )
  if (written === 'written') live.markStored()
}

export async function completeNode(
  ctx: RunContext,
  live: NodeExecution,
  output: unknown,
): Promise<void> {
  const run = ctx.writer.run
  let next: ReturnType<MachineDriver['complete']>
  let state: JsonObject
  let outputs: JsonObject
  let nodeOutput: JsonValue | undefined
  let runOutput: JsonValue | undefined
  try {
    const { limits } = ctx.host
    nodeOutput =
      output === undefined
        ? undefined
        : toJson(output, `The output of node "${live.nodeId}"`, limits.outputBytes)
    state = validateState(ctx.host.workflow, live.nodeId, live.ctx.state, limits.stateBytes)
    outputs = { ...run.outputs }
    if (nodeOutput === undefined) delete outputs[live.nodeId]
    else outputs[live.nodeId] = nodeOutput
    next = ctx.host.driver.complete(run.position, live.nodeId, nodeOutput, {
      input: run.input,
      state,
      output: outputs,
    })
    // A hand-built machine's own `output` may hold what JSON cannot: the run fails with it.
    if (next.next.kind === 'done') {
      runOutput =
        next.next.output === undefined ? nodeOutput : toJson(next.next.output, 'The run output')
    }
  } catch (error) {
    await failFinally(ctx, live, error)
    return
  }
  const completed = newEvent('node_completed', {
    node: live.nodeId,
    visit: live.visit,
    durationMs: Date.now() - live.startedAt,
    owner: ctx.host.owner,
  })
  if (nodeOutput !== undefined) completed.data.output = nodeOutput
  if (!jsonEqual(state, run.state)) completed.data.state = state
  const events: NewRunEvent[] = [completed]
  const visits = { ...run.position.visits }
  let fields: Partial<RunFields>
  let scheduling: Scheduling
  if (next.next.kind === 'node') {
    const nodeId = next.next.nodeId
    const visit = (visits[nodeId] ?? 0) + 1
    visits[nodeId] = visit
    fields = {
      status: 'running',
      nodeId,
      visit,
      position: { ...next.position, visits },
      state,
      outputs,
      error: null,
    }
    scheduling = ctx.writer.holding()
    events.push(nodeStarted(nodeId, visit, next.position))
  } else {
    fields = {
      status: 'completed',
      nodeId: null,
      position: { ...next.position, visits },
      state,
      // Outputs are kept for the nodes that read them (`ctx.output`); none runs after the end.
      outputs: {},
      output: runOutput,
      error: null,
    }
    scheduling = { lease: null, wake: null }
    events.push(newEvent('run_completed', {}))
  }
  ctx.live = undefined
  // A body may finish without the answers to some of its requests (`Promise.race`, a caught
  // `INPUT_TIMEOUT`): nobody waits on them any more, so they close with the visit.
  const closeOpenRequests = run.requests.some((r) => r.status === 'open')
  await ctx.writer.write(fields, { scheduling, events, closeOpenRequests })
  ctx.writer.run.requests = ctx.writer.run.requests.filter((r) => r.status === 'open')
  ctx.writer.run.steps = []
  if (fields.status === 'completed') ctx.host.finished(ctx.writer.run.id)
}

/**
 * A node threw. Under its retry policy the node runs again after a backoff, in this process
 * and holding the lease (returns true); otherwise the run fails (returns false).
 */
export async function failNode(
  ctx: RunContext,
  live: NodeExecution,
  error: unknown,
): Promise<boolean> {
  const run = ctx.writer.run
  const policy = ctx.host.workflow.retry[live.nodeId]
  const attempt = run.position.attempt ?? 1
  if (!mayRetry(policy, attempt, error) || run.status === 'cancelled') {
    await failFinally(ctx, live, error)
    return false
  }
  dropExecution(ctx, live, error)
  const delay = retryDelay(policy, attempt)
  const serialized = serializeError(error)
  await ctx.writer.write(
    { status: 'running', error: serialized, position: { ...run.position, attempt: attempt + 1 } },
    {
      // If this process dies during the backoff, the run wakes when the backoff ends, not earlier.
      scheduling: {
        ...ctx.writer.holding(),
        wake: delay > ctx.host.leaseMs ? new Date(Date.now() + delay) : 'lease',
      },
      events: [
        newEvent('node_failed', {
          node: live.nodeId,
          visit: live.visit,
          attempt,
          error: eventError(serialized),
          retryInMs: delay,
        }),
      ],
    },
  )
  return ctx.lease.wait(delay)
}

export async function failFinally(
  ctx: RunContext,
  live: NodeExecution,
  error: unknown,
): Promise<void> {
  if (HoldpointError.is(error, 'RUN_CANCELLED') && ctx.writer.run.status === 'cancelled') return
  dropExecution(ctx, live, error)
  const serialized = serializeError(error)
  await ctx.writer.write(
    { status: 'failed', error: serialized },
    {
      scheduling: { lease: null, wake: null },
      events: [
        newEvent('node_failed', {
          node: live.nodeId,
          visit: live.visit,
          attempt: ctx.writer.run.position.attempt ?? 1,
          error: eventError(serialized),
        }),
        newEvent('run_failed', { error: eventError(serialized) }),
      ],
    },
  )
}

function eventError(error: SerializedError): EventError {
  return { name: error.name, message: error.message, ...(error.code ? { code: error.code } : {}) }
}
