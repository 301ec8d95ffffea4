import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './store/schema.js'
import { SqlStore, type SqlStoreOptions } from './store/sql-store.js'

/** Options of `postgresStore`: a connection string, or a pool you own. */
export type PostgresStoreOptions = SqlStoreOptions &
  (
    | {
        /** For example `postgres://user@host:5432/db`. */
        connectionString: string
        /** Most connections this store opens; default 10. */
        maxConnections?: number
      }
    | {
        /** A `pg` pool you own; it is not closed with the store. */
        pool: pg.Pool
      }
  )

/**
 * The production store: Postgres through `pg`. Any number of processes on any number of
 * machines may share one database; every checkpoint is guarded by the run's row version.
 *
 * @example
 * ```ts
 * import { postgresStore } from 'holdpoint/postgres'
 * const hp = createHoldpoint({
 *   workflows,
 *   store: postgresStore({ connectionString: process.env.DATABASE_URL! }),
 * })
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): SqlStore {
  const owned = !('pool' in options)
  const pool =
    'pool' in options
      ? options.pool
      : new pg.Pool({
          connectionString: options.connectionString,
          max: options.maxConnections ?? 10,
        })
  if (owned) pool.on('error', () => {}) // an idle client died; the pool replaces it on next use
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return new SqlStore(
    'postgres',
    db,
    async () => {
      if (owned) await db.destroy()
    },
    options,
  )
}

export { SqlStore, type SqlStoreOptions } from './store/sql-store.js'
