import { HoldpointError } from '../errors.js'

/**
 * How often a node is executed before its error fails the run, and how long to wait between
 * executions: `initialMs × factor^(attempt − 1)`, at most `maxMs`, spread by `jitter`.
 *
 * @example
 * ```ts
 * nodes: { charge: { run: chargeCard, retry: { maxAttempts: 5, backoff: { initialMs: 200 } } } }
 * ```
 */
export interface RetryPolicy {
  /** Executions of a node visit in all, the first one included. */
  maxAttempts: number
  backoff?: { initialMs?: number; factor?: number; maxMs?: number }
  /** Spreads each delay randomly by up to this fraction of it (0 to 1); default 0.2. */
  jitter?: number
}

/** The wait before attempt `attempt + 1`, in milliseconds. */
export function retryDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const { initialMs = 1000, factor = 2, maxMs = 60_000 } = policy.backoff ?? {}
  const base = Math.min(initialMs * factor ** Math.max(0, attempt - 1), maxMs)
  const jitter = Math.min(Math.max(policy.jitter ?? 0.2, 0), 1)
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())))
}

/**
 * Whether an error may go away on another attempt. Holdpoint's own errors say something about
 * the code or the data (a nondeterministic replay, invalid state, a cancel), which another
 * attempt would only repeat — except a store that was briefly unavailable.
 */
export function isRetryable(error: unknown): boolean {
  return !HoldpointError.is(error) || error.code === 'STORE_UNAVAILABLE'
}

/** Whether a node that failed with `error` on attempt `attempt` runs again under `policy`. */
export function mayRetry(
  policy: RetryPolicy | undefined,
  attempt: number,
  error: unknown,
): policy is RetryPolicy {
  return policy !== undefined && attempt < policy.maxAttempts && isRetryable(error)
}

/** Checks a policy given to `defineWorkflow`. */
export function validRetryPolicy(policy: RetryPolicy): boolean {
  const { initialMs = 1000, factor = 2, maxMs = 60_000 } = policy.backoff ?? {}
  return (
    Number.isSafeInteger(policy.maxAttempts) &&
    policy.maxAttempts >= 1 &&
    [initialMs, factor, maxMs].every((n) => Number.isFinite(n) && n >= 0) &&
    (policy.jitter === undefined || (policy.jitter >= 0 && policy.jitter <= 1))
  )
}
