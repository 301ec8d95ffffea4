/**
 * An expected failure that is not a `HoldpointError` (a missing or malformed config, for
 * example): printed as `error: message` without a stack trace, exit code 1.
 *
 * @example
 * ```ts
 * throw new CliError('No holdpoint.config.ts in /srv/app; pass --config PATH.')
 * ```
 */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
  }
}
