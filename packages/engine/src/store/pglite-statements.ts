import { CompiledQuery, type Kysely } from 'kysely'
import type { ExecuteStatement, Statement } from './statement.js'

const DUPLICATE_PREPARED_STATEMENT = '42P05'
const UNDEFINED_PREPARED_STATEMENT = '26000'

/**
 * Prepared statements on PGlite. Its query API parses and plans every call anew, which for the
 * batched statements costs more than running them; so each is prepared once with SQL `PREPARE`
 * and run with `EXECUTE`, its parameters written as dollar-quoted literals (a server-side
 * `EXECUTE` takes no bound parameters).
 */
export function pglitePreparedStatements(db: Kysely<unknown>): ExecuteStatement {
  const prepared = new Map<string, Promise<void>>()
  const prepare = (statement: Statement): Promise<void> => {
    let done = prepared.get(statement.name)
    if (!done) {
      done = db
        .executeQuery(CompiledQuery.raw(`PREPARE ${statement.name} AS ${statement.text}`))
        .then(
          () => undefined,
          (error: unknown) => {
            // Another store on the same PGlite instance prepared it first.
            if ((error as { code?: unknown }).code === DUPLICATE_PREPARED_STATEMENT) return
            prepared.delete(statement.name)
            throw error
          },
        )
      prepared.set(statement.name, done)
    }
    return done
  }
  const execute = async <R>(statement: Statement, values: readonly string[]): Promise<R[]> => {
    await prepare(statement)
    const args = values.map(dollarQuoted).join(', ')
    const result = await db.executeQuery<R>(CompiledQuery.raw(`EXECUTE ${statement.name}(${args})`))
    return result.rows as R[]
  }
  return async <R>(statement: Statement, values: readonly string[]) => {
    try {
      return await execute<R>(statement, values)
    } catch (error) {
      // Deallocated behind this store's back (`DEALLOCATE ALL`, `DISCARD ALL`): prepare again.
      if ((error as { code?: unknown }).code !== UNDEFINED_PREPARED_STATEMENT) throw error
      prepared.delete(statement.name)
      return execute<R>(statement, values)
    }
  }
}

/** `text` as a literal that needs no escaping: `$tag$…$tag$` with a tag the text never contains. */
export function dollarQuoted(text: string): string {
  let tag = 'hp'
  // A text ending in `$hp` would close the quote early too, hence the added `$`.
  while (`${text}$`.includes(`$${tag}$`)) tag += '_'
  return `$${tag}$${text}$${tag}$`
}
