import pg from 'pg'
import { guard } from './guarded-dialect.js'
import type { ExecuteStatement, Statement } from './statement.js'

/** `pool.query` as pg-pool runs a `pg.Query` it is handed: on a client of its own, then released. */
type QueryPool = { query: (query: pg.Query) => Promise<pg.QueryResult> }

/**
 * The batched statements on a `pg` pool, named (prepared once per connection) unless `prepared`
 * is false. On a pool of this very `pg` module, each call hands the pool a `pg.Query` made from
 * the statement's text: given a config object instead, `pg` copies it property by property on
 * every call, and wraps its promise once more, which together cost a resume's three round trips
 * about 4% (`pnpm bench:side-by-side`). Any other pool (`pg.native`, another copy of `pg`) gets
 * the config object, which every pool takes.
 */
export function pgStatements(pool: pg.Pool, prepared: boolean): ExecuteStatement {
  if (!ofThisPg(pool)) {
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

/** Whether `pool` runs this `pg` module's JavaScript client (its `Query` is what it submits). */
function ofThisPg(pool: pg.Pool): boolean {
  return pool instanceof pg.Pool
}
