import { CompiledQuery, sql, type Kysely } from 'kysely'
import {
  RunNotFoundError,
  SchemaTooNewError,
  SchemaTooOldError,
  StoreClosedError,
} from '../errors.js'
import { isStorableText } from '../json.js'
import { parseMaxBatchSize } from '../option-checks.js'
import type { RunEvent } from '../history/run-event.js'
import { migrate, schemaVersion } from './migrate.js'
import { LATEST_SCHEMA_VERSION } from './migrations/index.js'
import { isUuid, requestSchemaColumn, toRequest } from './rows.js'
import type { Database } from './schema.js'
import { exportRun, importRun } from './sql-archive.js'
import { checkpointItem, writeCheckpoints, type CheckpointItem } from './sql-checkpoints.js'
import { createRuns, newRunItem } from './sql-create-runs.js'
import { EVENTS_CHANNEL, WAKE_CHANNEL, type Listen } from './sql-fragments.js'
import { follow, listEvents } from './sql-history.js'
import { loadRuns, runIdItem, runVersions } from './sql-load-runs.js'
import { listRuns } from './sql-list-runs.js'
import { pruneRuns } from './sql-prune.js'
import { saveStep } from './sql-steps.js'
import type { BatchItem, ExecuteStatement } from './statement.js'
import { StatementBatcher } from './statement-batcher.js'
import { failedOnAValue } from './guarded-dialect.js'
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

/** Options shared by the SQL stores. */
export interface SqlStoreOptions {
  /** Apply pending migrations on first use (default). Turn off to require `holdpoint migrate`. */
  migrate?: boolean
  /**
   * Most runs whose writes (or loads) share one statement when many are in flight at once —
   * group commit: one round trip and one commit for all of them, each run still written
   * atomically and acknowledged only after the commit. Default 64 (1 to 1000); `1` sends every
   * write alone.
   */
  maxBatchSize?: number
}

/** How a connection runs statements: `execute` prepares fixed statements where it can. */
export interface SqlConnection {
  onClose: () => Promise<void>
  listen: Listen
  execute?: ExecuteStatement
}

// A batch's JSON stays well below what one statement parameter should carry.
const MAX_BATCH_BYTES = 4 * 1024 * 1024

/**
 * The store over SQL, for any kysely connection to Postgres (the `pg` driver, or PGlite).
 * Every write is a single statement, so a checkpoint commits atomically; checkpoints, starts and
 * loads of different runs that are in flight at the same time share statements (group commit).
 */
export class SqlStore implements Store {
  readonly kind: string
  readonly #db: Kysely<Database>
  readonly #onClose: () => Promise<void>
  readonly #migrate: boolean
  #ready: Promise<void> | undefined
  #closed = false

  readonly #listen: Listen
  readonly #batches: {
    create: StatementBatcher<BatchItem, boolean>
    load: StatementBatcher<BatchItem, StoredRun | undefined>
    checkpoint: StatementBatcher<CheckpointItem, boolean>
    version: StatementBatcher<BatchItem, number | undefined>
  }

  constructor(
    kind: string,
    db: Kysely<Database>,
    connection: SqlConnection,
    options: SqlStoreOptions = {},
  ) {
    this.kind = kind
    this.#db = db
    this.#onClose = connection.onClose
    this.#listen = connection.listen
    this.#migrate = options.migrate ?? true
    const execute: ExecuteStatement =
      connection.execute ??
      (async <R>(statement: { text: string }, values: readonly string[]) =>
        (await db.executeQuery<R>(CompiledQuery.raw(statement.text, [...values]))).rows as R[])
    const limits = {
      keyOf: (item: BatchItem) => item.key,
      sizeOf: (item: BatchItem) => item.json.length,
      maxItems: parseMaxBatchSize(options.maxBatchSize),
      maxBytes: MAX_BATCH_BYTES,
      // One batch of a kind at a time: measured fastest, since everything in flight meanwhile
      // joins the next one. Only a batch held up (a lock, a slow server) lets another pass.
      stallMs: 20,
      maxOnWire: 4,
      splitOn: failedOnAValue,
    }
    this.#batches = {
      create: new StatementBatcher((items) => createRuns(execute, items), limits),
      load: new StatementBatcher((items) => loadRuns(execute, items), {
        ...limits,
        sharedKeys: true,
      }),
      checkpoint: new StatementBatcher<CheckpointItem, boolean>(
        (items) => writeCheckpoints(execute, items),
        limits,
      ),
      version: new StatementBatcher((items) => runVersions(execute, items), {
        ...limits,
        sharedKeys: true,
      }),
    }
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

  async createRun(run: NewRun, events: readonly NewRunEvent[]): Promise<boolean> {
    if (this.#closed) throw new StoreClosedError()
    return this.#batches.create.submit(newRunItem(run, events))
  }

  async loadRun(runId: string): Promise<StoredRun | undefined> {
    if (this.#closed) throw new StoreClosedError()
    if (!isUuid(runId)) return undefined
    return this.#batches.load.submit(runIdItem(runId))
  }

  async runVersion(runId: string): Promise<number | undefined> {
    if (this.#closed) throw new StoreClosedError()
    if (!isUuid(runId)) return undefined
    return this.#batches.version.submit(runIdItem(runId))
  }

  async checkpoint(cp: Checkpoint): Promise<boolean> {
    if (this.#closed) throw new StoreClosedError()
    return this.#batches.checkpoint.submit(checkpointItem(cp))
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
    // Ids Postgres cannot hold were never stored; sent, they would fail the whole lookup.
    const ids = requestIds.filter(isStorableText)
    if (ids.length === 0 || !isUuid(runId)) return []
    const rows = await this.#db
      .selectFrom('holdpoint.requests as q')
      .selectAll('q')
      .select(requestSchemaColumn)
      .where('run_id', '=', runId)
      .where('request_id', 'in', ids)
      .where('status', '!=', 'open')
      .orderBy('created_at', 'desc')
      .orderBy('visit', 'desc')
      .execute()
    return rows.map(toRequest)
  }

  async saveStep(runId: string, step: StoredStep): Promise<StoredStep> {
    if (!isUuid(runId)) throw new RunNotFoundError(runId)
    return saveStep(this.#db, runId, step)
  }

  listRuns(filter: RunFilter): Promise<RunSummary[]> {
    return listRuns(this.#db, filter)
  }

  async listEvents(runId: string, after: number, limit: number): Promise<RunEvent[]> {
    if (!isUuid(runId)) return []
    return listEvents(this.#db, runId, after, limit)
  }

  async follow(runIds: readonly string[], ms: number): Promise<void> {
    await follow(this.#db, runIds.filter(isUuid), ms)
  }

  listenEvents(onEvents: (runId: string | undefined) => void): Promise<() => Promise<void>> {
    return this.#listen(EVENTS_CHANNEL, (payload) => onEvents(payload || undefined))
  }

  async exportRun(runId: string): Promise<RunRecord | undefined> {
    if (!isUuid(runId)) return undefined
    return exportRun(this.#db, runId)
  }

  importRun(record: RunRecord, scheduling: Scheduling): Promise<boolean> {
    return importRun(this.#db, record, scheduling)
  }

  pruneRuns(filter: PruneFilter): Promise<number> {
    return pruneRuns(this.#db, filter)
  }

  /** Refuses new work, lets every write already submitted reach the database, then disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.all(Object.values(this.#batches).map((batcher) => batcher.drain()))
    await this.#onClose()
  }
}
