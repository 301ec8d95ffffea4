import type pg from 'pg'
import type { QueryConfig, QueryResult } from 'pg'

/** One call of a pool: when it was made and when its promise settled (`performance.now()`). */
export interface PoolCall {
  sent: number
  returned: number
}

type Query = (config: QueryConfig) => Promise<QueryResult>

/**
 * Times every `pool.query` call: `record` gets each call that succeeded, with its config, when
 * it settles. The stores send their statements as `{ name, text, values }` through it. Returns
 * the pool's own `query`, for sending statements that are not to be timed.
 */
export function timePoolCalls(
  pool: pg.Pool,
  record: (call: PoolCall & { config: QueryConfig }) => void,
): Query {
  const query = pool.query.bind(pool) as Query
  pool.query = ((config: QueryConfig) => {
    const sent = performance.now()
    const result = query(config)
    void result.then(
      () => record({ sent, returned: performance.now(), config }),
      () => {},
    )
    return result
  }) as typeof pool.query
  return query
}
