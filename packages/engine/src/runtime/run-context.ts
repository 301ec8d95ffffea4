import type { EngineHost } from './engine-host.js'
import type { LeaseKeeper } from './lease-keeper.js'
import { NodeExecution } from './node-execution.js'
import type { RunWriter } from './run-writer.js'
import { ConcurrentModificationError } from '../errors.js'

/** One run's engine, as the pieces that drive it share it. */
export interface RunContext {
  readonly host: EngineHost
  readonly writer: RunWriter
  readonly lease: LeaseKeeper
  /** The node execution in this process, paused or running, if any. */
  live: NodeExecution | undefined
}

/** Drops in-memory progress: the run was moved on by another writer, taken over, or evicted. */
export function dropProgress(ctx: RunContext): void {
  if (ctx.live) dropExecution(ctx, ctx.live, new ConcurrentModificationError(ctx.writer.run.id))
}

/**
 * Stops a node execution in this process for good (see `NodeExecution.abandon`). The step
 * results it stored stay with the run, so that the next execution of the visit, here or after a
 * reload, replays them instead of running their functions again.
 */
export function dropExecution(ctx: RunContext, live: NodeExecution, reason: unknown): void {
  if (ctx.live === live) ctx.live = undefined
  live.abandon(reason)
  ctx.writer.run.steps = live.knownSteps
}

/** The execution of the current node visit in this process, started (or replayed) if there is none. */
export function ensureLive(ctx: RunContext): NodeExecution {
  if (ctx.live) return ctx.live
  const run = ctx.writer.run
  const nodeId = run.nodeId as string
  const live = new NodeExecution({
    driver: ctx.host.driver,
    store: ctx.host.store,
    runId: run.id,
    nodeId,
    visit: run.visit,
    input: run.input,
    state: structuredClone(run.state),
    outputs: run.outputs,
    recorded: {
      requests: run.requests.filter((r) => r.nodeId === nodeId && r.visit === run.visit),
      steps: run.steps,
    },
    now: () => ctx.host.now(),
    maxStepBytes: ctx.host.limits.outputBytes,
  })
  ctx.live = live
  live.start()
  return live
}
