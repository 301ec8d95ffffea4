import type pg from 'pg'
import type { QueryConfig } from 'pg'

/** One call of a pool: when it was made and when it returned (`performance.now()`). */
export interface PoolCall {
  sent: number
  returned: number
}

/**
 * Times what runs through `pool` without replacing its `query`: a replaced `query` would change
 * how the Postgres store sends its statements (see `takesQueryObjects` in the engine). A call
 * lasts from the pool's `acquire` of a client to its `release`, the round trip with pg-pool's
 * own checkout around it; `record` gets each call that did not fail, with the last statement
 * the client was given (its name, text and values, as a config object sends them again).
 */
export function timePoolCalls(
  pool: pg.Pool,
  record: (call: PoolCall & { config: QueryConfig }) => void,
): void {
  const open = new Map<pg.PoolClient, { sent: number; config?: QueryConfig }>()
  const watched = new WeakSet<pg.PoolClient>()
  pool.on('acquire', (client) => {
    open.set(client, { sent: performance.now() })
    if (watched.has(client)) return
    watched.add(client)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    client.query = ((...args: unknown[]) => {
      const call = open.get(client)
      if (call) call.config = configOf(args[0], args[1])
      return query(...args)
    }) as typeof client.query
  })
  pool.on('release', (error, client) => {
    const call = open.get(client)
    open.delete(client)
    if (!error && call?.config)
      record({ sent: call.sent, returned: performance.now(), config: call.config })
  })
}

/** A statement as a config object, from what `client.query` was given (a text, a config or a query). */
function configOf(first: unknown, second: unknown): QueryConfig {
  if (typeof first === 'string') {
    return { text: first, ...(Array.isArray(second) ? { values: second as unknown[] } : {}) }
  }
  const { name, text, values } = first as { name?: string; text: string; values?: unknown[] }
  return { text, ...(name ? { name } : {}), ...(values ? { values } : {}) }
}
