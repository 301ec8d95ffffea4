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
 * Runs a batched write whose statement returns the ids (keys) of the rows it wrote, and says for
 * each item whether it was written.
 */
export async function writeBatch(
  execute: ExecuteStatement,
  statement: Statement,
  items: readonly BatchItem[],
): Promise<boolean[]> {
  const rows = await execute<{ id: string }>(statement, [jsonArrayOf(items)])
  const written = new Set(rows.map((row) => row.id))
  return items.map((item) => written.has(item.key))
}
