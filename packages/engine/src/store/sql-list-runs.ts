import { sql, type Kysely } from 'kysely'
import { isStorableText, type JsonValue } from '../json.js'
import { isUuid, requestSchemaColumn, toRequest, unwrap, wrappedSql } from './rows.js'
import type { Database } from './schema.js'
import type { RunFilter, RunSummary, StoredRequest } from './store.js'

/**
 * One page of runs, oldest first, as `listRuns` reads it: by `runs_status_idx` (status,
 * created_at) when filtered by one status, from a (created_at, id) cursor. `undefined` when
 * nothing can match: a cursor that is no run id, a workflow id Postgres cannot hold.
 */
export function runsPageQuery(db: Kysely<Database>, filter: RunFilter) {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000)
  const statuses =
    filter.status === undefined
      ? []
      : Array.isArray(filter.status)
        ? filter.status
        : [filter.status]
  let query = db
    .selectFrom('holdpoint.runs')
    .select([
      'id',
      'workflow',
      'version',
      'status',
      'node',
      sql<[JsonValue] | null>`${sql.raw(wrappedSql('output'))}`.as('output'),
      'error',
      'created_at',
      'updated_at',
    ])
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
  if (statuses.length > 0) query = query.where('status', 'in', statuses as string[] as never)
  if (filter.workflowId !== undefined) {
    // A workflow id Postgres cannot hold names no run.
    if (!isStorableText(filter.workflowId)) return undefined
    query = query.where('workflow', '=', filter.workflowId)
  }
  if (filter.after !== undefined) {
    if (!isUuid(filter.after)) return undefined
    query = query.where(
      sql<boolean>`(created_at, id) > (SELECT created_at, id FROM holdpoint.runs WHERE id = ${filter.after})`,
    )
  }
  return query
}

/** A page of runs with the requests that those waiting wait on: the inbox across runs. */
export async function listRuns(db: Kysely<Database>, filter: RunFilter): Promise<RunSummary[]> {
  const query = runsPageQuery(db, filter)
  if (!query) return []
  const runs = await query.execute()
  const waiting = runs.filter((r) => r.status === 'waiting_for_input').map((r) => r.id)
  const open =
    waiting.length === 0
      ? []
      : await db
          .selectFrom('holdpoint.requests as q')
          .selectAll('q')
          .select(requestSchemaColumn)
          .where('run_id', 'in', waiting)
          .where('status', '=', 'open')
          .orderBy('seq')
          .execute()
  const openByRun = new Map<string, StoredRequest[]>()
  for (const q of open) {
    const requests = openByRun.get(q.run_id) ?? []
    requests.push(toRequest(q))
    openByRun.set(q.run_id, requests)
  }
  return runs.map((r) => ({
    id: r.id,
    workflowId: r.workflow,
    version: r.version,
    status: r.status,
    nodeId: r.node,
    output: unwrap(r.output),
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    openRequests: openByRun.get(r.id) ?? [],
  }))
}
