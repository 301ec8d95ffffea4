/** The signals long-running commands stop on. */
const stopSignals = ['SIGTERM', 'SIGINT'] as const

/**
 * Resolves on the first SIGTERM or SIGINT; calls `onAgain` on any later one, so that a second
 * Ctrl-C can cut a slow shutdown short.
 *
 * @example
 * ```ts
 * const signal = await firstSignal(() => process.exit(1))
 * log(`${signal}: draining…`)
 * ```
 */
export function firstSignal(onAgain: (signal: NodeJS.Signals) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) return onAgain(signal)
      received = true
      resolve(signal)
    }
    for (const name of stopSignals) process.on(name, onSignal)
  })
}
