import {
  ConcurrentModificationError,
  HoldpointError,
  InvalidInputError,
  NondeterminismError,
  RunNotWaitingError,
  type InputIssue,
} from '../errors.js'
import { newEvent } from '../history/run-event.js'
import type { JsonValue } from '../json.js'
import type { Scheduling, StoredRequest } from '../store/store.js'
import {
  earliestExpiry,
  freshAnswers,
  parseAnsweredBy,
  parseDelivery,
  parseVisits,
} from './answers.js'
import { failFinally } from './node-outcomes.js'
import { mayRetry, retryDelay } from './retry-policy.js'
import type { NodeExecution, NodeOutcome } from './node-execution.js'
import { answerOf } from './request-record.js'
import { dropExecution, ensureLive, type RunContext } from './run-context.js'

/** Answers keyed by request ID. */
export type InputData = Readonly<Record<string, unknown>>

/** Options of `run` and `step`. */
export interface DeliveryOptions {
  /**
   * The node visit each answer is meant for, by request ID (`awaitingInput[].visit`). In a loop,
   * a node asks under the same request ID on every visit; naming the visit makes a resubmitted
   * answer for an earlier visit a recognised repeat instead of an answer to the open one.
   */
  visits?: Readonly<Record<string, number>>
  /**
   * Store the answers (validated as always) and hand the run to the workers instead of running
   * it in this process; the call returns once the answers are durable. Without answers, a
   * running run is handed to the workers as it is.
   */
  background?: boolean
  /**
   * Who is answering (a user id, an email, an API key's name): recorded with each answer in the
   * run's history (`input_received`), for the audit trail.
   */
  by?: string
}

/** How a delivery ended: nothing delivered, only repeats, stored and resumed here, or stored and handed to the workers. */
export type Delivery = 'none' | 'nothing-new' | 'delivered' | 'handed-off'

/**
 * Validates and stores answers, then hands them to the waiting node (or, with `background`, to
 * the workers). `nothing-new`: every answer was already stored, and the call is a no-op.
 */
export async function deliver(
  ctx: RunContext,
  inputData: InputData | undefined,
  options: DeliveryOptions,
): Promise<Delivery> {
  if (inputData === undefined || inputData === null) return 'none'
  const answers = parseDelivery(inputData, ctx.host.limits)
  const visits = parseVisits(options.visits)
  const by = parseAnsweredBy(options.by)
  if (answers.size === 0) return 'none'

  const fresh = await freshAnswersOrReload(ctx, answers, visits)
  if (fresh.size === 0) return 'nothing-new'

  const { live, outcome } = await replayToPause(ctx)
  if (outcome.kind === 'abandoned') throw new ConcurrentModificationError(ctx.writer.run.id)
  if (outcome.kind !== 'paused') {
    // The replay failed for good, or finished without asking what the run waits for (the code
    // changed).
    const error =
      outcome.kind === 'failed'
        ? outcome.error
        : new NondeterminismError(
            live.nodeId,
            `a request for ${[...fresh.keys()].join(', ')}`,
            'the node completing',
          )
    await failFinally(ctx, live, error)
    throw new RunNotWaitingError(ctx.writer.run.id, ctx.writer.run.status, { cause: error })
  }
  const issues: InputIssue[] = []
  const parsed = new Map<string, unknown>()
  for (const [requestId, value] of fresh) {
    const pending = live.pending.get(requestId)
    if (!pending) {
      const error = new NondeterminismError(
        live.nodeId,
        `a request for "${requestId}"`,
        'no such request',
      )
      await failFinally(ctx, live, error)
      throw new RunNotWaitingError(ctx.writer.run.id, ctx.writer.run.status, { cause: error })
    }
    const result = pending.schema
      ? pending.schema.safeParse(value)
      : { success: true as const, data: value }
    if (result.success) parsed.set(requestId, result.data)
    else {
      for (const i of result.error.issues) {
        issues.push({ requestId, path: i.path, message: i.message, code: i.code })
      }
    }
  }
  if (issues.length > 0) throw new InvalidInputError(issues)

  const remaining = ctx.writer.run.requests.filter(
    (r) => r.status === 'open' && !fresh.has(r.requestId),
  )
  const scheduling: Scheduling =
    remaining.length > 0
      ? { lease: null, wake: earliestExpiry(remaining) }
      : options.background
        ? { lease: null, wake: 'now', notify: true }
        : ctx.writer.holding()
  const written = await ctx.writer.write(
    { status: remaining.length > 0 ? 'waiting_for_input' : 'running' },
    {
      scheduling,
      answers: [...fresh].map(([requestId, answer]) => {
        const request = live.pending.get(requestId)?.request as StoredRequest
        return {
          nodeId: request.nodeId,
          visit: request.visit,
          requestId,
          status: 'answered' as const,
          answer,
        }
      }),
      events: [...fresh.keys()].map((requestId) =>
        newEvent('input_received', {
          requestId,
          node: live.nodeId,
          visit: live.visit,
          ...(by === undefined ? {} : { by }),
        }),
      ),
      // Someone else moved the run. If they stored exactly these answers, this call is a
      // duplicate; if they stored others, the check says so (ALREADY_ANSWERED and the like).
      onConflict: async () => (await freshAnswersFor(ctx, answers, visits)).size === 0,
    },
  )
  if (written === 'duplicate') return 'nothing-new'
  if (written === 'cancelled') throw new RunNotWaitingError(ctx.writer.run.id, 'cancelled')
  if (options.background) {
    dropExecution(ctx, live, undefined)
    return 'handed-off'
  }
  for (const [requestId, value] of parsed) live.settle(requestId, { value })
  return 'delivered'
}

/**
 * The node's execution in this process, replayed up to its pause when there is none. A replay
 * that throws is tried again under the node's retry policy, as any execution of it is, but in
 * memory: until the answers are written the delivery stores nothing, so a delivery refused after
 * a retried replay (an answer failing its schema) leaves the run exactly as it was.
 */
async function replayToPause(
  ctx: RunContext,
): Promise<{ live: NodeExecution; outcome: NodeOutcome }> {
  for (let attempt = 1; ; attempt++) {
    const live = ensureLive(ctx)
    const outcome = await live.next()
    const policy = ctx.host.workflow.retry[live.nodeId]
    if (outcome.kind !== 'failed' || !mayRetry(policy, attempt, outcome.error)) {
      return { live, outcome }
    }
    dropExecution(ctx, live, outcome.error)
    await new Promise((resolve) => setTimeout(resolve, retryDelay(policy, attempt)))
  }
}

/**
 * Like `freshAnswersFor`, but when the answers do not fit the run as this engine last saw it,
 * the run is read again once: a worker or another process may have moved it on since.
 */
async function freshAnswersOrReload(
  ctx: RunContext,
  answers: ReadonlyMap<string, JsonValue>,
  visits: ReadonlyMap<string, number>,
): Promise<Map<string, JsonValue>> {
  try {
    return await freshAnswersFor(ctx, answers, visits)
  } catch (error) {
    if (
      !HoldpointError.is(error, 'RUN_NOT_WAITING') &&
      !HoldpointError.is(error, 'UNKNOWN_REQUEST')
    )
      throw error
    const seen = ctx.writer.run.rowVersion
    await ctx.writer.reload()
    if (ctx.writer.run.rowVersion === seen) throw error
    return freshAnswersFor(ctx, answers, visits)
  }
}

function freshAnswersFor(
  ctx: RunContext,
  answers: ReadonlyMap<string, JsonValue>,
  visits: ReadonlyMap<string, number>,
): Promise<Map<string, JsonValue>> {
  return freshAnswers(answers, visits, ctx.writer.run, (ids) =>
    ctx.host.store.findClosedRequests(ctx.writer.run.id, ids),
  )
}

/**
 * Resolves requests whose stored deadline has passed: the node gets the request's default, or
 * `INPUT_TIMEOUT` is thrown at its `await`. Returns whether any expired.
 */
export async function expireDue(ctx: RunContext): Promise<boolean> {
  const now = ctx.host.now().getTime()
  const due = ctx.writer.run.requests.filter(
    (r) => r.status === 'open' && r.expiresAt !== null && r.expiresAt.getTime() <= now,
  )
  if (due.length === 0) return false
  const live = ensureLive(ctx)
  const outcome = await live.next()
  if (outcome.kind !== 'paused') return true // the loop handles a completed or failed body
  const remaining = ctx.writer.run.requests.filter((r) => r.status === 'open' && !due.includes(r))
  const written = await ctx.writer.write(
    { status: remaining.length > 0 ? 'waiting_for_input' : 'running' },
    {
      scheduling:
        remaining.length > 0
          ? { lease: null, wake: earliestExpiry(remaining) }
          : ctx.writer.holding(),
      answers: due.map((r) => ({
        nodeId: r.nodeId,
        visit: r.visit,
        requestId: r.requestId,
        status: 'expired' as const,
        answer: r.spec.default?.value,
      })),
      events: due.map((r) =>
        newEvent('input_expired', {
          requestId: r.requestId,
          node: r.nodeId,
          visit: r.visit,
          defaulted: r.spec.default !== undefined,
        }),
      ),
    },
  )
  if (written !== 'written') return false
  for (const r of due) {
    const expired = { ...r, status: 'expired' as const }
    let settled: { value: unknown } | { error: unknown }
    try {
      settled = {
        value: answerOf(expired, live.pending.get(r.requestId)?.schema, ctx.writer.run.id),
      }
    } catch (error) {
      settled = { error }
    }
    live.settle(r.requestId, settled)
  }
  return true
}
