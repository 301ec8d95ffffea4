import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import { createHoldpoint, HoldpointError } from '../src/index.js'
import { postgresStore, type SqlStore } from '../src/postgres.js'
import type { StoredStep } from '../src/store/store.js'
import { useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'
import { gateRunRow } from './fixtures/run-row-gate.js'

// A prune and a `ctx.step` of the same run at the same moment, in both orders that matter.
// Either the step is stored and the prune deletes it with the run, or the prune skips the run,
// or the step stores nothing: never a step without its run.

describe('a step stored while a prune deletes its run (postgres)', () => {
  const stores = useStores()
  const step: StoredStep = { nodeId: 'draft', visit: 1, key: 'late', seq: 1, result: 'late' }
  const future = () => new Date(Date.now() + 1000)

  /** Resolves to whether `promise` settled within `ms`. */
  async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms))
    return Promise.race([promise.then(() => true), timeout])
  }

  /** A cancelled run, ready to prune, whose request names a schema. */
  async function cancelledRun(store: SqlStore): Promise<string> {
    const engine = await createHoldpoint({ workflows: [approval], store }).start('approval', {
      topic: 'pruned',
    })
    await engine.run()
    await engine.cancel()
    return engine.runId
  }

  const stepKeys = async (store: SqlStore, runId: string) => {
    const { rows } = await sql<{ key: string }>`
      SELECT key FROM holdpoint.steps WHERE run_id = ${runId}`.execute(store.db)
    return rows.map((r) => r.key)
  }

  it('waits for a prune that holds the run, then stores nothing (RUN_NOT_FOUND)', async () => {
    const store = (await stores.open('postgres')) as SqlStore
    const runId = await cancelledRun(store)
    const other = new pg.Client({ connectionString: (await stores.database()).url })
    await other.connect()
    try {
      // The prune deletes the run, then waits to delete unused schemas until this lock is free:
      // its transaction holds the deleted run, uncommitted.
      await other.query('BEGIN')
      await other.query(
        `SELECT pg_advisory_xact_lock_shared('holdpoint.schemas'::regclass::oid::int, 0)`,
      )
      const hp = createHoldpoint({ workflows: [approval], store })
      const pruned = hp.prune({ olderThan: future(), status: 'cancelled' })
      await vi.waitFor(async () => {
        const { rows } = await other.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        )
        expect(rows[0]?.n).toBe(1)
      })

      const saving = store.saveStep(runId, step).catch((e: unknown) => e)
      expect(await settlesWithin(saving, 300)).toBe(false)
      await other.query('COMMIT')
      expect(await pruned).toBe(1)
      expect(HoldpointError.is(await saving, 'RUN_NOT_FOUND')).toBe(true)
      expect(await stepKeys(store, runId)).toEqual([])
    } finally {
      await other.end()
    }
  })

  it('deletes a step committed after the prune began and before it came to the run', async () => {
    const store = (await stores.open('postgres')) as SqlStore
    const runId = await cancelledRun(store)
    // The prune runs as a role whose statements wait at the run's row until the gate opens:
    // after the prune's snapshot was taken, before it locks the run.
    const gate = await gateRunRow((await stores.database()).url, runId)
    const pruner = postgresStore({ connectionString: gate.url, migrate: false, maxConnections: 1 })
    try {
      const pruned = createHoldpoint({ workflows: [approval], store: pruner }).prune({
        olderThan: future(),
        status: 'cancelled',
      })
      await vi.waitFor(async () => expect(await gate.holding()).toBe(true))

      // The run is not locked yet: the step is stored, and commits.
      expect((await store.saveStep(runId, step)).result).toBe('late')
      await gate.open()
      expect(await pruned).toBe(1)
      expect(await stepKeys(store, runId)).toEqual([])
    } finally {
      await pruner.close()
      await gate.close()
    }
  })
})
