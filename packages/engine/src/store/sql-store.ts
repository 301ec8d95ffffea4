import { sql, type Kysely } from 'kysely'
import { SchemaTooNewError, SchemaTooOldError, StoreClosedError } from '../errors.js'
import { migrate, schemaVersion } from './migrate.js'
import { LATEST_SCHEMA_VERSION } from './migrations/index.js'
import type { Database } from './schema.js'
import {
  answerRow,
  json,
  jsonOrNull,
  requestRow,
  runFieldsOf,
  toRequest,
  toStep,
  type RunRow,
  type StepRow,
} from './rows.js'
import { exportRun, importRun, pruneRuns } from './sql-archive.js'
import { follow, listEvents } from './sql-history.js'
import {
  EVENTS_CHANNEL,
  WAKE_CHANNEL,
  insertEvents,
  notifyColumn,
  notifyFollowers,
  schedulingValues,
  type Listen,
} from './sql-fragments.js'
import type { RunEvent } from '../history/run-event.js'
import type {
  Checkpoint,
  NewRun,
  NewRunEvent,
  PruneFilter,
  RunFilter,
  RunRecord,
  Scheduling,
  RunSummary,
  Store,
  StoredRequest,
  StoredRun,
  StoredStep,
} from './store.js'

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Options shared by the SQL stores. */
export interface SqlStoreOptions {
  /** Apply pending migrations on first use (default). Turn off to require `holdpoint migrate`. */
  migrate?: boolean
}

/**
 * The store over SQL, for any kysely connection to Postgres (the `pg` driver, or PGlite).
 * Every write is a single statement, so a checkpoint costs one round trip and commits atomically.
 */
export class SqlStore implements Store {
  readonly kind: string
  readonly #db: Kysely<Database>
  readonly #onClose: () => Promise<void>
  readonly #migrate: boolean
  #ready: Promise<void> | undefined
  #closed = false

  readonly #listen: Listen

  constructor(
    kind: string,
    db: Kysely<Database>,
    connection: { onClose: () => Promise<void>; listen: Listen },
    options: SqlStoreOptions = {},
  ) {
    this.kind = kind
    this.#db = db
    this.#onClose = connection.onClose
    this.#listen = connection.listen
    this.#migrate = options.migrate ?? true
  }

  /** The kysely instance, for tools that add their own queries. */
  get db(): Kysely<Database> {
    return this.#db
  }

  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreClosedError())
    this.#ready ??= this.#prepare().catch((error: unknown) => {
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }

  async #prepare(): Promise<void> {
    if (this.#migrate) {
      await migrate(this.#db as Kysely<unknown>)
      return
    }
    const current = await schemaVersion(this.#db as Kysely<unknown>)
    if (current > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(current, LATEST_SCHEMA_VERSION)
    if (current < LATEST_SCHEMA_VERSION) throw new SchemaTooOldError(current, LATEST_SCHEMA_VERSION)
  }

  async createRun(run: NewRun, events: readonly NewRunEvent[]): Promise<void> {
    await sql`
      WITH run AS (
        INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
          outputs, input, output, error, event_seq, created_at, updated_at,
          lease_owner, lease_until, wake_at, write_token)
        VALUES (${run.id}, ${run.workflowId}, ${run.version}, ${run.status}, ${run.nodeId},
          ${run.visit}, ${json(run.position)}::jsonb, ${json(run.state)}::jsonb,
          ${json(run.outputs)}::jsonb, ${json(run.input)}::jsonb, ${jsonOrNull(run.output)}::jsonb,
          ${jsonOrNull(run.error)}::jsonb, ${events.length}, ${run.createdAt}, ${run.updatedAt},
          ${schedulingValues(run)}, ${run.token}::bigint)
        RETURNING id, event_seq
      )
      ${insertEvents(events, run.updatedAt)}
      SELECT id ${notifyColumn(run)} FROM run`.execute(this.#db)
  }

  async loadRun(runId: string): Promise<StoredRun | undefined> {
    if (!uuidPattern.test(runId)) return undefined
    const { rows } = await sql<RunRow>`
      SELECT r.*,
        (SELECT coalesce(jsonb_agg(to_jsonb(q) ORDER BY q.node, q.visit, q.seq), '[]'::jsonb)
           FROM holdpoint.requests q
          WHERE q.run_id = r.id
            AND (q.status = 'open' OR (q.node = r.node AND q.visit = r.visit))) AS requests,
        (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.seq), '[]'::jsonb)
           FROM holdpoint.steps s
          WHERE s.run_id = r.id AND s.node = r.node AND s.visit = r.visit) AS steps
      FROM holdpoint.runs r
      WHERE r.id = ${runId}`.execute(this.#db)
    const row = rows[0]
    if (!row) return undefined
    return {
      ...runFieldsOf(row),
      rowVersion: row.row_version,
      lease:
        row.lease_owner !== null && row.lease_until !== null
          ? { owner: row.lease_owner, until: row.lease_until }
          : null,
      wakeAt: row.wake_at,
      writeToken: row.write_token === null ? null : String(row.write_token),
      requests: row.requests.map(toRequest),
      steps: row.steps.map(toStep),
    }
  }

  async checkpoint(cp: Checkpoint): Promise<boolean> {
    const { run } = cp
    const at = run.updatedAt
    const { rows } = await sql<{ id: string }>`
      WITH run AS (
        UPDATE holdpoint.runs SET
          status = ${run.status}, node = ${run.nodeId}, visit = ${run.visit},
          position = ${json(run.position)}::jsonb, state = ${json(run.state)}::jsonb,
          outputs = ${json(run.outputs)}::jsonb, output = ${jsonOrNull(run.output)}::jsonb,
          error = ${jsonOrNull(run.error)}::jsonb, row_version = row_version + 1,
          event_seq = event_seq + ${cp.events.length}, updated_at = ${at},
          write_token = ${cp.token}::bigint,
          (lease_owner, lease_until, wake_at) = (SELECT ${schedulingValues(cp.scheduling)})
        WHERE id = ${cp.runId} AND row_version = ${cp.expectedVersion}
        ${
          cp.requireLease === undefined
            ? sql``
            : sql`AND (lease_owner IS NULL OR lease_owner = ${cp.requireLease} OR lease_until < now())`
        }
        RETURNING id, event_seq
      )
      ${
        cp.newRequests.length > 0
          ? sql`, new_requests AS (
        INSERT INTO holdpoint.requests (run_id, node, visit, request_id, seq, spec, status,
          expires_at, created_at)
        SELECT run.id, q.node, q.visit, q.request_id, q.seq, q.spec, 'open', q.expires_at, q.created_at
        FROM run, jsonb_to_recordset(${json(cp.newRequests.map(requestRow))}::jsonb)
          AS q(node text, visit int, request_id text, seq int, spec jsonb,
               expires_at timestamptz, created_at timestamptz)
      )`
          : sql``
      }
      ${
        cp.answers.length > 0
          ? sql`, answered AS (
        UPDATE holdpoint.requests AS q
        SET status = a.status, answer = a.answer, answered_at = ${at}
        FROM run, jsonb_to_recordset(${json(cp.answers.map(answerRow))}::jsonb)
          AS a(node text, visit int, request_id text, status text, answer jsonb)
        WHERE q.run_id = run.id AND q.node = a.node AND q.visit = a.visit
          AND q.request_id = a.request_id
      )`
          : sql``
      }
      ${
        cp.closeOpenRequests
          ? sql`, closed AS (
        UPDATE holdpoint.requests AS q SET status = 'closed'
        FROM run WHERE q.run_id = run.id AND q.status = 'open'
      )`
          : sql``
      }
      ${insertEvents(cp.events, at)}
      SELECT id ${notifyColumn(cp.scheduling)} ${notifyFollowers(cp.events)} FROM run`.execute(
      this.#db,
    )
    return rows.length === 1
  }

  async claim(
    owner: string,
    limit: number,
    leaseMs: number,
    workflows: readonly string[],
  ): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      UPDATE holdpoint.runs AS r
      SET lease_owner = ${owner},
          lease_until = now() + ${leaseMs}::int * interval '1 millisecond',
          wake_at = now() + ${leaseMs}::int * interval '1 millisecond',
          row_version = r.row_version + 1
      FROM (
        SELECT id FROM holdpoint.runs
        WHERE wake_at <= now() AND status IN ('running', 'waiting_for_input')
          AND (lease_until IS NULL OR lease_until <= now())
          AND workflow || '@' || version = ANY(${workflows}::text[])
        ORDER BY wake_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) AS due
      WHERE r.id = due.id
      RETURNING r.id`.execute(this.#db)
    return rows.map((r) => r.id)
  }

  async renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rows } = await sql<{ id: string }>`
      UPDATE holdpoint.runs
      SET lease_until = now() + ${leaseMs}::int * interval '1 millisecond',
          wake_at = GREATEST(wake_at, now() + ${leaseMs}::int * interval '1 millisecond')
      WHERE id = ${runId} AND lease_owner = ${owner} AND status = 'running'
      RETURNING id`.execute(this.#db)
    return rows.length === 1
  }

  listen(onWake: () => void): Promise<() => Promise<void>> {
    return this.#listen(WAKE_CHANNEL, onWake)
  }

  async findClosedRequests(runId: string, requestIds: readonly string[]): Promise<StoredRequest[]> {
    if (requestIds.length === 0 || !uuidPattern.test(runId)) return []
    const rows = await this.#db
      .selectFrom('holdpoint.requests')
      .selectAll()
      .where('run_id', '=', runId)
      .where('request_id', 'in', requestIds)
      .where('status', '!=', 'open')
      .orderBy('created_at', 'desc')
      .orderBy('visit', 'desc')
      .execute()
    return rows.map(toRequest)
  }

  async saveStep(runId: string, step: StoredStep): Promise<StoredStep> {
    const { rows } = await sql<StepRow>`
      WITH inserted AS (
        INSERT INTO holdpoint.steps (run_id, node, visit, key, seq, result)
        VALUES (${runId}, ${step.nodeId}, ${step.visit}, ${step.key}, ${step.seq},
          ${step.result === undefined ? null : JSON.stringify(step.result)}::jsonb)
        ON CONFLICT DO NOTHING
        RETURNING node, visit, key, seq, result
      )
      SELECT * FROM inserted
      UNION ALL
      SELECT node, visit, key, seq, result FROM holdpoint.steps
       WHERE run_id = ${runId} AND node = ${step.nodeId} AND visit = ${step.visit} AND key = ${step.key}
      LIMIT 1`.execute(this.#db)
    return rows[0] ? toStep(rows[0]) : step
  }

  async listRuns(filter: RunFilter): Promise<RunSummary[]> {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000)
    const statuses =
      filter.status === undefined
        ? []
        : Array.isArray(filter.status)
          ? filter.status
          : [filter.status]
    let query = this.#db
      .selectFrom('holdpoint.runs')
      .select([
        'id',
        'workflow',
        'version',
        'status',
        'node',
        'output',
        'error',
        'created_at',
        'updated_at',
      ])
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
    if (statuses.length > 0) query = query.where('status', 'in', statuses as string[] as never)
    if (filter.workflowId !== undefined) query = query.where('workflow', '=', filter.workflowId)
    if (filter.after !== undefined) {
      if (!uuidPattern.test(filter.after)) return []
      query = query.where(
        sql<boolean>`(created_at, id) > (SELECT created_at, id FROM holdpoint.runs WHERE id = ${filter.after})`,
      )
    }
    const runs = await query.execute()
    const waiting = runs.filter((r) => r.status === 'waiting_for_input').map((r) => r.id)
    const open =
      waiting.length === 0
        ? []
        : await this.#db
            .selectFrom('holdpoint.requests')
            .selectAll()
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
      output: r.output ?? undefined,
      error: r.error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      openRequests: openByRun.get(r.id) ?? [],
    }))
  }

  async listEvents(runId: string, after: number, limit: number): Promise<RunEvent[]> {
    if (!uuidPattern.test(runId)) return []
    return listEvents(this.#db, runId, after, limit)
  }

  async follow(runIds: readonly string[], ms: number): Promise<void> {
    await follow(
      this.#db,
      runIds.filter((id) => uuidPattern.test(id)),
      ms,
    )
  }

  listenEvents(onEvents: (runId: string | undefined) => void): Promise<() => Promise<void>> {
    return this.#listen(EVENTS_CHANNEL, (payload) => onEvents(payload || undefined))
  }

  async exportRun(runId: string): Promise<RunRecord | undefined> {
    if (!uuidPattern.test(runId)) return undefined
    return exportRun(this.#db, runId)
  }

  importRun(record: RunRecord, scheduling: Scheduling): Promise<boolean> {
    return importRun(this.#db, record, scheduling)
  }

  pruneRuns(filter: PruneFilter): Promise<number> {
    return pruneRuns(this.#db, filter)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#onClose()
  }
}
