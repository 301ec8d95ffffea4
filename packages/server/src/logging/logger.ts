import { pino, type Logger } from 'pino'

/**
 * Paths pino censors in every log line of the server. The server never logs headers, query
 * strings or bodies; these are for fields a caller's own logger or a future change might add.
 *
 * @example
 * ```ts
 * const logger = pino({ redact: { paths: redactPaths, censor: '[redacted]' } })
 * ```
 */
export const redactPaths = [
  'authorization',
  'token',
  'key',
  '*.authorization',
  '*.token',
  '*.key',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
]

/**
 * The server's logger: pino, JSON lines on stdout, secrets censored.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'debug' })
 * createApp(hp, { auth, logger })
 * ```
 */
export function createLogger(options: { level?: string } = {}): Logger {
  return pino({
    name: 'holdpoint-server',
    level: options.level ?? process.env.HOLDPOINT_LOG_LEVEL ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
  })
}

/**
 * A child of the caller's logger, with the server's redaction added.
 *
 * @example
 * ```ts
 * const log = serverLogger(appLogger) // lines carry component: 'holdpoint-server'
 * ```
 */
export function serverLogger(parent: Logger): Logger {
  return parent.child(
    { component: 'holdpoint-server' },
    { redact: { paths: redactPaths, censor: '[redacted]' } },
  )
}
