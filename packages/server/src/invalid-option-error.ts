/**
 * A malformed option of `createApp` or `serve`, refused before the app is made. A `TypeError`,
 * like the server's other option checks; `option` names the option as it is written in the
 * options (`cors.origins[1]`), and the message says what to pass instead.
 *
 * @example
 * ```ts
 * try {
 *   createApp(hp, { auth, cors: { origins: ['https://app.example.com/'] } })
 * } catch (error) {
 *   if (error instanceof InvalidOptionError) console.error(error.option, error.message)
 * }
 * ```
 */
export class InvalidOptionError extends TypeError {
  constructor(
    readonly option: string,
    expected: string,
    received: unknown,
  ) {
    super(`${option} must be ${expected}, got ${shown(received)}.`)
    this.name = 'InvalidOptionError'
  }
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value !== 'object' || value === null) return String(value)
  try {
    const json = JSON.stringify(value)
    return json.length > 80 ? `${json.slice(0, 77)}…` : json
  } catch {
    return Object.prototype.toString.call(value)
  }
}
