import { createRequire } from 'node:module'
import pg from 'pg'
import { guard } from './guarded-dialect.js'
import type { ExecuteStatement, Statement } from './statement.js'

/** `pool.query` as pg-pool runs a `pg.Query` it is handed: on a client of its own, then released. */
type QueryPool = { query: (query: pg.Query) => Promise<pg.QueryResult> }

/**
 * The batched statements on a `pg` pool, named (prepared once per connection) unless `prepared`
 * is false. Given a config object, `pg` copies it property by property on every call and wraps
 * its promise once more; where `takesQueryObjects` allows, each call hands the pool a `pg.Query`
 * made from the statement's text instead, which makes a resume's three round trips 2–4% shorter
 * (`pnpm bench:side-by-side`). Every other pool gets config objects, which every pool takes.
 */
export function pgStatements(pool: pg.Pool, prepared: boolean): ExecuteStatement {
  if (!takesQueryObjects(pool)) {
    return async <R>(statement: Statement, values: readonly string[]) => {
      const result = await pool
        .query<R & pg.QueryResultRow>({
          ...(prepared ? { name: statement.name } : {}),
          text: statement.text,
          values: [...values],
        })
        .catch(guard)
      return result.rows
    }
  }
  const queries = pool as unknown as QueryPool
  return async <R>(statement: Statement, values: readonly string[]) => {
    const query = new pg.Query(statement.text, [...values])
    // Set after construction: a name given in a config object would have it copied again.
    if (prepared) Object.assign(query, { name: statement.name })
    const result = await queries.query(query).catch(guard)
    return result.rows as R[]
  }
}

/**
 * Whether statements may go to `pool` as `pg.Query` objects: a pool of this very `pg` module
 * running its JavaScript client, whose `query` nobody replaced, on a `pg` that calls a query
 * object back the way pg-pool asks it to.
 */
export function takesQueryObjects(pool: pg.Pool): boolean {
  return (
    pool instanceof pg.Pool &&
    // A wrapper (tracing, retries, a checkout of its own for `SET ROLE`) may run what it is given
    // twice, or not return a promise for it; a config object survives both, a query object not.
    pool.query === pg.Pool.prototype.query &&
    // `pg.native`, or a client class of one's own, runs queries of another kind.
    (pool as unknown as { Client?: unknown }).Client === pg.Client &&
    typeof (pg.Query.prototype as { requiresPreparation?: unknown }).requiresPreparation ===
      'function' &&
    QUERY_OBJECTS_CALLED_BACK
  )
}

/**
 * Whether `pg` at this version calls back a query object handed to `client.query(query,
 * undefined, callback)`, as pg-pool's `query` does: from 8.19 on. Before, the callback was
 * dropped, and the statement would never return.
 */
export function callsBackQueryObjects(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > 8 || (major === 8 && minor >= 19)
}

const QUERY_OBJECTS_CALLED_BACK = callsBackQueryObjects(
  (createRequire(import.meta.url)('pg/package.json') as { version: string }).version,
)
