import { HoldpointError } from 'holdpoint'

/**
 * A logger for long-running commands: one line per call, prefixed with the time in UTC and
 * `holdpoint worker:`, so that interleaved output of many workers stays readable.
 *
 * @example
 * ```ts
 * const log = workerLog(process.stderr)
 * log('started') // 2026-01-01T00:00:00.000Z holdpoint worker: started
 * ```
 */
export function workerLog(stream: { write(text: string): unknown }): (message: string) => void {
  return (message) => {
    stream.write(`${new Date().toISOString()} holdpoint worker: ${message}\n`)
  }
}

/**
 * An error on one line: `error [CODE]: message` for a Holdpoint error, `error: message`
 * otherwise.
 *
 * @example
 * ```ts
 * describeError(new RunNotFoundError('x')) // 'error [RUN_NOT_FOUND]: No run with id "x" exists in this store.'
 * ```
 */
export function describeError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ')
  return HoldpointError.is(error) ? `error [${error.code}]: ${message}` : `error: ${message}`
}
