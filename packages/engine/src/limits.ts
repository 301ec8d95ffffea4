/** Size limits on what Holdpoint stores, in bytes of JSON. Oversized values are refused with `PAYLOAD_TOO_LARGE`. */
export interface PayloadLimits {
  /** The run input given to `hp.start()`. Default 1 MiB. */
  inputBytes?: number
  /** One answer delivered to a request. Default 256 KiB. */
  answerBytes?: number
  /** How many answers one `run()` or `step()` may deliver. Default 100. */
  answersPerDelivery?: number
  /** The shared state after a node. Default 1 MiB. */
  stateBytes?: number
  /** A node output, a `ctx.step` result or a request's payload. Default 1 MiB. */
  outputBytes?: number
}

/** The limits in force. */
export type ResolvedLimits = Required<PayloadLimits>

const MiB = 1024 * 1024

/** The defaults, overridden by `limits`; a limit that is not a positive integer is refused. */
export function resolveLimits(limits: PayloadLimits = {}): ResolvedLimits {
  const resolved: ResolvedLimits = {
    inputBytes: MiB,
    answerBytes: 256 * 1024,
    answersPerDelivery: 100,
    stateBytes: MiB,
    outputBytes: MiB,
  }
  for (const [key, value] of Object.entries(limits) as [keyof ResolvedLimits, unknown][]) {
    if (!Object.hasOwn(resolved, key)) throw new TypeError(`Unknown limit "${key}".`)
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`The limit ${key} must be a positive integer, got ${String(value)}.`)
    }
    resolved[key] = value
  }
  return resolved
}
