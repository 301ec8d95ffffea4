import { LATEST_SCHEMA_VERSION, migrate } from 'holdpoint'
import { parseCommand, printHelp } from '../args.js'
import { print, stylist } from '../format.js'
import { describeStore, locateProject, openStore } from '../open-holdpoint.js'
import { rejectExtraArguments } from '../option-checks.js'
import { storeFlags, storeOptions, storeOptionsUsage } from '../store-options.js'

/** Usage of `holdpoint migrate`. */
export const migrateUsage = `Usage: holdpoint migrate [--database-url URL | --data-dir DIR] [--config PATH]

Applies pending migrations to the store and prints its schema version. Refuses a
database migrated by a newer Holdpoint. A config is optional here.

${storeOptionsUsage}`

/**
 * `holdpoint migrate`: brings the store's schema up to date.
 *
 * @example
 * ```ts
 * process.exitCode = await migrateCommand(['--database-url', 'postgres://localhost/app'])
 * ```
 */
export async function migrateCommand(
  argv: readonly string[],
  cwd = process.cwd(),
): Promise<number> {
  const { values, positionals } = parseCommand(argv, storeOptions, migrateUsage)
  if (values.help) return printHelp(migrateUsage)
  rejectExtraArguments(positionals, migrateUsage)
  const { where } = await locateProject(storeFlags(values), cwd, { needsConfig: false })
  const store = await openStore(where)
  try {
    const applied = await migrate(store.db)
    await store.ready()
    const s = stylist(process.stdout)
    print(
      applied.length > 0
        ? `${describeStore(where)}: applied migration ${applied.join(', ')}`
        : `${describeStore(where)}: already up to date`,
      `schema version ${s('bold', String(LATEST_SCHEMA_VERSION))}`,
    )
    return 0
  } finally {
    await store.close()
  }
}
