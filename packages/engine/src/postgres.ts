import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { InvalidArgumentError } from './errors.js'
import { parseMaxBatchSize } from './option-checks.js'
import { guardedDialect } from './store/guarded-dialect.js'
import type { Database } from './store/schema.js'
import { pgStatements } from './store/pg-statements.js'
import { SqlStore, type SqlStoreOptions } from './store/sql-store.js'

/** Connections of its own pool that the store never closes for being idle. */
const KEPT_CONNECTIONS = 2

/** Options of `postgresStore`: a connection string, or a pool you own. */
export type PostgresStoreOptions = SqlStoreOptions & {
  /**
   * Send the hot statements as named prepared statements (default), parsed and planned once per
   * connection. Turn off behind a pooler that hands each transaction another server connection
   * without tracking prepared statements (PgBouncer in `transaction` mode before 1.21, or without
   * `max_prepared_statements`): every statement is then parsed and planned anew.
   */
  preparedStatements?: boolean
} & (
    | {
        /** For example `postgres://user@host:5432/db`. */
        connectionString: string
        /**
         * Most connections this store opens; default 10. Up to two of them stay open while idle;
         * the others close after 10 s without use.
         */
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
  parseMaxBatchSize(options.maxBatchSize) // refused before a connection is made
  const prepared = options.preparedStatements ?? true
  if (typeof prepared !== 'boolean') {
    throw new InvalidArgumentError('preparedStatements', 'true or false')
  }
  const owned = !('pool' in options)
  const pool =
    'pool' in options
      ? options.pool
      : new pg.Pool({
          connectionString: options.connectionString,
          max: options.maxConnections ?? 10,
          // Kept open however long nobody answers: a resume after a quiet spell neither connects
          // nor prepares its statements again, and no statement arms and clears an idle timer.
          min: Math.min(KEPT_CONNECTIONS, options.maxConnections ?? 10),
        })
  if (owned) pool.on('error', () => {}) // an idle client died; the pool replaces it on next use
  // A client in use whose connection drops emits 'error' as well as failing its query; without a
  // listener that event would end the process. The failed query is what callers see.
  const ignoreErrors = (client: pg.PoolClient): void => {
    client.on('error', () => {})
  }
  pool.on('connect', ignoreErrors)
  const db = new Kysely<Database>({ dialect: guardedDialect(new PostgresDialect({ pool })) })
  return new SqlStore(
    'postgres',
    db,
    {
      onClose: async () => {
        pool.off('connect', ignoreErrors)
        if (owned) await db.destroy()
      },
      listen: (channel, onNotify) => listenOn(pool, channel, onNotify),
      // Named: each connection parses and plans a statement once, then only binds values.
      execute: pgStatements(pool, prepared),
    },
    options,
  )
}

/**
 * LISTENs on a connection of its own, outside the pool, and reconnects when it drops; a wake-up
 * is sent on every reconnect, since notifications may have been missed meanwhile. Resolves once
 * the first attempt has ended: listening when the database answered, retrying in the background
 * when it did not.
 */
async function listenOn(
  pool: pg.Pool,
  channel: string,
  onNotify: (payload?: string) => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined
  let stopped = false
  let firstAttemptEnded!: () => void
  const firstAttempt = new Promise<void>((resolve) => (firstAttemptEnded = resolve))
  const connect = async (): Promise<void> => {
    while (!stopped) {
      // Keepalive probes notice a connection that died silently (a dropped NAT entry, a failover)
      // within minutes, instead of listening on it forever.
      const candidate = new pg.Client({ ...pool.options, keepAlive: true })
      let listening = false
      try {
        candidate.on('notification', (message) => onNotify(message.payload))
        candidate.on('error', () => {
          // Until LISTEN has succeeded, the failed call below retries; reconnecting here too
          // would leave two connections listening.
          if (!listening) return
          if (client === candidate) client = undefined
          void candidate.end().catch(() => {})
          if (!stopped) setTimeout(() => void connect(), 250)
        })
        await candidate.connect()
        await candidate.query(`LISTEN ${channel}`)
        if (stopped) {
          await candidate.end()
          return
        }
        listening = true
        client = candidate
        onNotify()
        return
      } catch {
        await candidate.end().catch(() => {})
        firstAttemptEnded()
        await new Promise((resolve) => setTimeout(resolve, 500))
      } finally {
        firstAttemptEnded()
      }
    }
  }
  void connect()
  await firstAttempt
  return async () => {
    stopped = true
    await client?.end().catch(() => {})
  }
}

export { SqlStore, type SqlStoreOptions } from './store/sql-store.js'
