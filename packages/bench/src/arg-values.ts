// Values of the benchmark tools' command lines, checked; `fail` makes each tool's usage error.

/**
 * A comma-separated list of phases, each one of `known` in any case, returned in `known`'s order
 * (the order they run in).
 *
 * @example
 * ```ts
 * phaseList('l,a', ['A', 'B', 'L'], usageError) // ['A', 'L']
 * ```
 */
export function phaseList<P extends string>(
  text: string,
  known: readonly P[],
  fail: (problem: string) => Error,
): P[] {
  const asked = text.split(',').map((p) => p.trim().toUpperCase())
  for (const phase of asked) {
    if (!known.includes(phase as P)) throw fail(`unknown phase "${phase}"`)
  }
  return known.filter((p) => asked.includes(p))
}

/**
 * A whole number of at least `min` (0 or 1), given for option `name`.
 *
 * @example
 * ```ts
 * wholeNumber('500', '--n', 1, usageError) // 500
 * ```
 */
export function wholeNumber(
  text: string,
  name: string,
  min: 0 | 1,
  fail: (problem: string) => Error,
): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min) {
    throw fail(`${name} must be ${min === 1 ? 'a positive integer' : 'a whole number, 0 or more'}`)
  }
  return value
}
