import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A command line the CLI cannot make sense of; printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/** What `parseCommand` returns: option values typed from `O`, and the positionals. */
export type ParsedCommand<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>

/**
 * Parses a command's arguments with `util.parseArgs` (strict, positionals allowed), turning its
 * errors into a `UsageError` that carries the command's usage.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' } }, usage)
 * ```
 */
export function parseCommand<const O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
): ParsedCommand<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usage)
  }
}

/** The options shared by the commands that open the project's store. */
export const storeOptions = {
  config: { type: 'string' },
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The help text of `storeOptions`. */
export const storeOptionsUsage = `Store options:
  --config PATH         the config (default: ./holdpoint.config.{ts,mts,js,mjs})
  --database-url URL    use Postgres at URL
  --data-dir DIR        use the embedded PGlite store in DIR
Without either, the config's databaseUrl, else its dataDir, else ./.holdpoint.`

/** Where a command should find its config and store, as given on the command line. */
export interface StoreFlags {
  config?: string
  databaseUrl?: string
  dataDir?: string
}

/**
 * Picks the store flags out of parsed values.
 *
 * @example
 * ```ts
 * const flags = storeFlags(parseCommand(argv, storeOptions, usage).values)
 * ```
 */
export function storeFlags(values: {
  config?: string | boolean
  'database-url'?: string | boolean
  'data-dir'?: string | boolean
}): StoreFlags {
  const flags: StoreFlags = {}
  if (typeof values.config === 'string') flags.config = values.config
  if (typeof values['database-url'] === 'string') flags.databaseUrl = values['database-url']
  if (typeof values['data-dir'] === 'string') flags.dataDir = values['data-dir']
  return flags
}

/**
 * Parses a positive integer option, or throws a `UsageError`.
 *
 * @example
 * ```ts
 * positiveInteger('--limit', '20', usage) // 20
 * ```
 */
export function positiveInteger(name: string, value: string, usage: string): number {
  return integerAtLeast(name, value, 1, usage)
}

/**
 * Parses an integer option of at least `min`, or throws a `UsageError`.
 *
 * @example
 * ```ts
 * integerAtLeast('--lease-ms', '5000', 100, usage) // 5000
 * ```
 */
export function integerAtLeast(name: string, value: string, min: number, usage: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    const wanted =
      min === 1
        ? 'a positive integer'
        : min === 0
          ? 'a non-negative integer'
          : `an integer of at least ${min}`
    throw new UsageError(`${name} must be ${wanted}, got "${value}".`, usage)
  }
  return n
}
