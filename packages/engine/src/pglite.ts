import { PGlite } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import { parseMaxBatchSize } from './option-checks.js'
import { guardedDialect } from './store/guarded-dialect.js'
import type { Database } from './store/schema.js'
import { PGliteDialect } from './store/pglite-dialect.js'
import { pglitePreparedStatements } from './store/pglite-statements.js'
import { SqlStore, type SqlStoreOptions } from './store/sql-store.js'

/** Options of `pgliteStore`. */
export interface PgliteStoreOptions extends SqlStoreOptions {
  /** A directory to keep the database in, or `memory://` for a database that lives only in this process. Default `./.holdpoint`. */
  dataDir?: string
  /** An existing PGlite instance to use instead; it is not closed with the store. */
  pglite?: PGlite
}

/**
 * The embedded store: Postgres compiled to WebAssembly, running inside this process. Good for
 * development, tests, CLIs and single-process apps; use `postgresStore` for many processes.
 *
 * @example
 * ```ts
 * import { pgliteStore } from 'holdpoint/pglite'
 * const hp = createHoldpoint({ workflows, store: pgliteStore({ dataDir: './data' }) })
 * ```
 */
export function pgliteStore(options: PgliteStoreOptions = {}): SqlStore {
  parseMaxBatchSize(options.maxBatchSize) // refused before a connection is made
  const owned = options.pglite === undefined
  const pglite = options.pglite ?? new PGlite(options.dataDir ?? './.holdpoint')
  const db = new Kysely<Database>({ dialect: guardedDialect(new PGliteDialect(pglite)) })
  return new SqlStore(
    'pglite',
    db,
    {
      onClose: async () => {
        await db.destroy()
        if (owned) await pglite.close()
      },
      listen: async (channel, onNotify) => {
        const unlisten = await pglite.listen(channel, (payload) => onNotify(payload))
        return async () => {
          if (!pglite.closed) await unlisten()
        }
      },
      execute: pglitePreparedStatements(db as Kysely<unknown>),
    },
    options,
  )
}

export { PGliteDialect } from './store/pglite-dialect.js'
export { SqlStore, type SqlStoreOptions } from './store/sql-store.js'
