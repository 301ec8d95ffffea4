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
