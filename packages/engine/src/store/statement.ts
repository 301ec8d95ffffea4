/**
 * A statement whose text never changes, whatever its parameters: the Postgres store prepares it
 * once per connection under `name`, so the server parses and plans it once, not per call.
 */
export interface Statement {
  readonly name: string
  readonly text: string
}

/** Runs a fixed statement with its parameters (JSON text, as every batched statement takes) and returns its rows. */
export type ExecuteStatement = <R>(statement: Statement, values: readonly string[]) => Promise<R[]>

/** One item of a batched statement: its key (a run id) and its row as JSON text. */
export interface BatchItem {
  key: string
  json: string
}

/** The items of a batch as one JSON array parameter, each item's text used as it is. */
export function jsonArrayOf(items: readonly BatchItem[]): string {
  return `[${items.map((item) => item.json).join(',')}]`
}

/**
 * A batched write in its two texts, which differ only in where the rows come from: `$1` is one
 * JSON object read by `json_to_record` for a batch of one, a JSON array read by
 * `json_to_recordset` for more. Told of a lone row, the planner looks the run up by primary key
 * and joins by nested loops; for a recordset it expects 100 rows and builds hash tables instead,
 * which costs a lone row more than the rest of its update.
 */
export interface BatchedWrite {
  one: Statement
  many: Statement
}

/** The two texts of a batched write; `text` places the rows' source, a function call. */
export function batchedWrite(name: string, text: (rows: string) => string): BatchedWrite {
  return {
    one: { name: `${name}_one`, text: text('json_to_record($1::json)') },
    many: { name, text: text('json_to_recordset($1::json)') },
  }
}

/**
 * Runs a batched write whose statement returns the ids (keys) of the rows it wrote, and says for
 * each item whether it was written.
 */
export async function writeBatch(
  execute: ExecuteStatement,
  statement: BatchedWrite,
  items: readonly BatchItem[],
): Promise<boolean[]> {
  const lone = items.length === 1 ? items[0] : undefined
  const rows = await execute<{ id: string }>(lone ? statement.one : statement.many, [
    lone ? lone.json : jsonArrayOf(items),
  ])
  const written = new Set(rows.map((row) => row.id))
  return items.map((item) => written.has(item.key))
}
