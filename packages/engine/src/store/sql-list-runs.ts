import { sql, type Kysely } from 'kysely'
import { isStorableText, type JsonValue } from '../json.js'
import { isUuid, requestSchemaColumn, toRequest, unwrap, wrappedSql } from './rows.js'
import type { Database } from './schema.js'
import { InvalidArgumentError } from '../errors.js'
import { WorkflowStatus } from '../status.js'
import type { RunFilter, RunSummary, SerializedError, StoredRequest } from './store.js'

const ALL_STATUSES: readonly WorkflowStatus[] = Object.values(WorkflowStatus)

/**
 * Where a page starts: after this run, in (created_at, id) order. Without `createdAt`, the run's
 * own row says where it stands, to the microsecond.
 */
export interface PagePosition {
  id: string
  createdAt?: Date
}

/**
 * One page of runs, oldest first, as `listRuns` reads it. Each status is read by
 * `runs_status_idx` (status, created_at) from the cursor on, a page at most, and the pages merged:
 * a list of every status, or of several, reads a few pages' worth of index entries however many
 * runs there are, and no index on (created_at) has to be kept up to date by every checkpoint.
 * `undefined` when nothing can match: no status, a workflow id Postgres cannot hold.
 */
export function runsPageQuery(
  db: Kysely<Database>,
  filter: Omit<RunFilter, 'after'>,
  after?: PagePosition,
) {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000)
  const statuses =
    filter.status === undefined
      ? ALL_STATUSES
      : Array.isArray(filter.status)
        ? filter.status
        : [filter.status]
  if (statuses.length === 0) return undefined
  // A workflow id Postgres cannot hold names no run.
  if (filter.workflowId !== undefined && !isStorableText(filter.workflowId)) return undefined
  const pageOf = (status: WorkflowStatus) => {
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
      .where('status', '=', status)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
    if (filter.workflowId !== undefined) query = query.where('workflow', '=', filter.workflowId)
    if (after?.createdAt) {
      query = query.where(
        sql<boolean>`(created_at, id) > (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`,
      )
    } else if (after) {
      query = query.where(
        sql<boolean>`(created_at, id) > (SELECT created_at, id FROM holdpoint.runs WHERE id = ${after.id})`,
      )
    }
    return query
  }
  const pages = [...new Set(statuses)].map((status) => sql`(${pageOf(status)})`)
  return db
    .selectFrom(sql<PageRow>`(${sql.join(pages, sql` UNION ALL `)})`.as('page'))
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
}

/** A listed run's row. */
interface PageRow {
  id: string
  workflow: string
  version: number
  status: WorkflowStatus
  node: string | null
  output: [JsonValue] | null
  error: SerializedError | null
  created_at: Date
  updated_at: Date
}

/** A page of runs with the requests that those waiting wait on: the inbox across runs. */
export async function listRuns(db: Kysely<Database>, filter: RunFilter): Promise<RunSummary[]> {
  const { after } = filter
  if (typeof after === 'string' && !isUuid(after)) throw cursorNamesNoRun(after)
  const query = runsPageQuery(db, filter, typeof after === 'string' ? { id: after } : after)
  if (!query) return []
  const runs = await query.execute()
  // A cursor id naming no run matches nothing, which reads as the end of the list: say so instead.
  if (runs.length === 0 && typeof after === 'string' && !(await runExists(db, after))) {
    throw cursorNamesNoRun(after)
  }
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

async function runExists(db: Kysely<Database>, runId: string): Promise<boolean> {
  const row = await db
    .selectFrom('holdpoint.runs')
    .select('id')
    .where('id', '=', runId)
    .executeTakeFirst()
  return row !== undefined
}

/** A list cursor given as a run id names no run (pruned while somebody paged?). */
function cursorNamesNoRun(after: string): InvalidArgumentError {
  return new InvalidArgumentError(
    'The list cursor `after`',
    `the last item of the previous page (\`{ runId, createdAt }\`), or the id of a run that exists; run ${JSON.stringify(after)} does not (pruned while paging?)`,
  )
}
