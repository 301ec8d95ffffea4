/**
 * The timed window of a phase's work, written once for starting and for resuming runs: what
 * `wall_s` and the per-run latencies (`p50_ms`, `p99_ms`, `start_p50_ms`, …) measure.
 */
import { forEachConcurrently } from './concurrency.js'

/** What `timeCalls` measured. */
export interface TimedCalls {
  /** Per call that returned, its duration in milliseconds (calls that threw are left out). */
  latenciesMs: number[]
  /** From before the first call to after the last, in milliseconds. */
  wallMs: number
  /** One line per call that threw: its label, then what it threw. */
  failures: string[]
}

/** Which calls `timeCalls` makes, how many at a time, and how a failed one is named. */
export interface CallPlan {
  /** Calls `0 … count−1`. */
  count: number
  /** Most calls in flight. */
  c: number
  /** The name of call `i` in its failure line, e.g. `start topic-3`. */
  label: (i: number) => string
  /** True for a call not to make: it is neither timed nor a failure. */
  skip?: (i: number) => boolean
}

/**
 * Makes `call(0)` … `call(count−1)`, at most `c` in flight, and times each call that returns and
 * all of them together with `performance.now()`. A call that throws is listed in `failures`
 * instead of timed.
 */
export async function timeCalls(
  plan: CallPlan,
  call: (i: number) => Promise<void>,
): Promise<TimedCalls> {
  const latenciesMs: number[] = []
  const failures: string[] = []
  const begin = performance.now()
  await forEachConcurrently(plan.count, plan.c, async (i) => {
    if (plan.skip?.(i)) return
    const t0 = performance.now()
    try {
      await call(i)
      latenciesMs.push(performance.now() - t0)
    } catch (error) {
      failures.push(`${plan.label(i)}: ${describe(error)}`)
    }
  })
  return { latenciesMs, wallMs: performance.now() - begin, failures }
}

/** A one-line description of a thrown value. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
