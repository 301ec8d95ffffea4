import { CompiledQuery, type Kysely } from 'kysely'
import type { ExecuteStatement, Statement } from './statement.js'

const DUPLICATE_PREPARED_STATEMENT = '42P05'

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
  return async <R>(statement: Statement, values: readonly string[]) => {
    await prepare(statement)
    const args = values.map(dollarQuoted).join(', ')
    const result = await db.executeQuery<R>(CompiledQuery.raw(`EXECUTE ${statement.name}(${args})`))
    return result.rows as R[]
  }
}

/** `text` as a literal that needs no escaping: `$tag$…$tag$` with a tag the text never contains. */
export function dollarQuoted(text: string): string {
  let tag = 'hp'
  while (text.includes(`$${tag}$`)) tag += '_'
  return `$${tag}$${text}$${tag}$`
}
