import { UsageError } from './args.js'

/**
 * Throws a `UsageError` naming the first of `extra`, the positionals a command has no use for.
 *
 * @example
 * ```ts
 * const [runId, ...extra] = positionals
 * rejectExtraArguments(extra, usage) // throws on ['now']: Unexpected argument "now".
 * ```
 */
export function rejectExtraArguments(extra: readonly string[], usage: string): void {
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`, usage)
}

/** The bounds of `integerOption`, and what it returns when the option is absent. */
export interface IntegerBounds<D extends number | undefined> {
  /** The smallest value accepted. */
  min: number
  /** Returned, unchecked, when the option is absent. */
  default?: D
}

/**
 * Reads the integer option `--<key>` from parsed values: at least `min`, or a `UsageError`.
 * Without the option it returns `default` (`undefined` when there is none).
 *
 * @example
 * ```ts
 * integerOption({ 'lease-ms': '5000' }, 'lease-ms', { min: 100, default: 30_000 }, usage) // 5000
 * integerOption({}, 'limit', { min: 1 }, usage) // undefined
 * ```
 */
export function integerOption<K extends string, D extends number | undefined = undefined>(
  values: Partial<Record<NoInfer<K>, string>>,
  key: K,
  bounds: IntegerBounds<D>,
  usage: string,
): number | NoInfer<D> {
  const value = values[key]
  if (value === undefined) return bounds.default as D
  const n = Number(value)
  // The pattern refuses what Number() would accept: signs, fractions, exponents, hex, blanks.
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < bounds.min) {
    throw new UsageError(`--${key} must be ${describeMin(bounds.min)}, got "${value}".`, usage)
  }
  return n
}

function describeMin(min: number): string {
  if (min === 1) return 'a positive integer'
  if (min === 0) return 'a non-negative integer'
  return `an integer of at least ${min}`
}
