import type { RunListItem } from 'holdpoint'

/** A page's `nextCursor`: the position of its last run, `<createdAt in ms>_<run id>`. */
const cursorPattern = /^(\d{1,15})_([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})$/i

/**
 * The `nextCursor` of a page ending with `last`. It carries the run's place in the list, not only
 * its id, so the next page starts in the right place even if that run is deleted meanwhile.
 *
 * @example
 * ```ts
 * const nextCursor = runs.length === limit ? listCursor(runs.at(-1)!) : null
 * ```
 */
export function listCursor(last: Pick<RunListItem, 'runId' | 'createdAt'>): string {
  return `${last.createdAt.getTime()}_${last.runId}`
}

/**
 * The `after` option of `hp.list()` for a `cursor` query parameter: the position a `nextCursor`
 * holds, or a run id as it stands (a run that must still exist).
 *
 * @example
 * ```ts
 * await hp.list({ limit, after: parseListCursor(query.cursor) })
 * ```
 */
export function parseListCursor(cursor: string): string | Pick<RunListItem, 'runId' | 'createdAt'> {
  const match = cursorPattern.exec(cursor)
  if (!match) return cursor
  return { runId: match[2] as string, createdAt: new Date(Number(match[1])) }
}
