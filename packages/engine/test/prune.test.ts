import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import type { SqlStore } from '../src/postgres.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

describe.each(storeKinds)('prune (%s)', (kind) => {
  const stores = useStores()

  it('deletes finished runs older than a date with all their rows, and nothing else', async () => {
    const store = (await stores.fresh(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [approval], store })
    const done = await hp.start('approval', { topic: 'done' })
    await done.run()
    await done.run({ approve: { approved: true, note: 'ok' } })
    const cancelled = await hp.start('approval', { topic: 'cancelled' })
    await cancelled.run()
    await cancelled.cancel()
    const waiting = await hp.start('approval', { topic: 'waiting' })
    await waiting.run()

    expect(await hp.prune({ olderThan: new Date(Date.now() - 60_000) })).toBe(0)
    expect(await hp.prune({ olderThan: new Date(Date.now() + 1000) })).toBe(2)
    const left = await hp.list()
    expect(left.map((r) => r.runId)).toEqual([waiting.runId])
    const { rows } = await sql<{ run_id: string }>`
      SELECT run_id FROM holdpoint.requests UNION SELECT run_id FROM holdpoint.steps
      UNION SELECT run_id FROM holdpoint.history`.execute(store.db)
    expect(rows.map((r) => r.run_id)).toEqual([waiting.runId])

    expect(
      await hp.prune({ olderThan: new Date(Date.now() + 1000), status: 'waiting_for_input' }),
    ).toBe(1)
    expect(await hp.list()).toEqual([])
  })

  it('deletes the schemas only pruned runs asked with, and keeps those others still name', async () => {
    // A schema built from the run's data: each run asks with one of its own.
    const pick = defineWorkflow({
      id: 'pick',
      version: 1,
      input: z.object({ names: z.array(z.string()).min(1) }),
      start: 'ask',
      nodes: {
        ask: async ({ input, requestInput }) =>
          requestInput({
            id: 'who',
            inputType: 'select',
            options: input.names,
            schema: z.enum(input.names as [string, ...string[]]),
          }),
      },
    })
    const store = (await stores.fresh(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [pick, approval], store })
    await store.ready()
    const schemaTexts = async () => {
      const { rows } = await sql<{ schema: string }>`
        SELECT schema::text AS schema FROM holdpoint.schemas ORDER BY 1`.execute(store.db)
      return rows.map((r) => r.schema)
    }
    const before = await schemaTexts()
    for (const name of ['alice@example.com', 'bob@example.com']) {
      const engine = await hp.start('pick', { names: [name, 'nobody'] })
      await engine.run()
      await engine.run({ who: name })
    }
    // Two approval runs share one schema; one finishes, one still waits.
    const finished = await hp.start('approval', { topic: 'finished' })
    await finished.run()
    await finished.run({ approve: { approved: true, note: 'ok' } })
    const waiting = await hp.start('approval', { topic: 'waiting' })
    await waiting.run()
    expect((await schemaTexts()).filter((t) => t.includes('example.com'))).toHaveLength(2)

    expect(await hp.prune({ olderThan: new Date(Date.now() + 1000) })).toBe(3)
    const after = await schemaTexts()
    expect(after.filter((t) => t.includes('example.com'))).toEqual([])
    // The approval schema stays: the waiting run still names it, and still shows it.
    expect(after.some((t) => t.includes('"approved"'))).toBe(true)
    const reloaded = await createHoldpoint({ workflows: [approval], store }).load(waiting.runId)
    expect(reloaded.executionState.awaitingInput[0]?.schema).toMatchObject({ type: 'object' })
    expect(after.length).toBeLessThanOrEqual(before.length + 1)
  })

  it('refuses bad options', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const bad: unknown[] = [
      undefined,
      {},
      { olderThan: 'yesterday' },
      { olderThan: new Date(Number.NaN) },
      { olderThan: new Date(), status: 'gone' },
      { olderThan: new Date(), status: [] },
      { olderThan: new Date(), status: 'running' },
    ]
    for (const options of bad) {
      const error = await hp.prune(options as never).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_ARGUMENT')).toBe(true)
    }
  })
})

describe('prune and writers naming stored schemas (postgres)', () => {
  const stores = useStores()
  const lock = `'holdpoint.schemas'::regclass::oid::int, 0`

  /** Resolves to whether `promise` settled within `ms`. */
  async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms))
    return Promise.race([promise.then(() => true), timeout])
  }

  it('take turns: a pause waits for a prune deleting schemas, and a prune for a pause', async () => {
    const store = (await stores.open('postgres')) as SqlStore
    const hp = createHoldpoint({ workflows: [approval], store })
    const other = new pg.Client({ connectionString: (await stores.database()).url })
    await other.connect()
    try {
      // A prune deleting schemas holds the lock alone: a pause that names a schema waits.
      await other.query('BEGIN')
      await other.query(`SELECT pg_advisory_xact_lock(${lock})`)
      const paused = (async () => (await hp.start('approval', { topic: 'waits' })).run())()
      expect(await settlesWithin(paused, 500)).toBe(false)
      await other.query('COMMIT')
      expect((await paused).status).toBe('waiting_for_input')

      // A writer naming a stored schema holds it shared: a prune with schemas to check waits.
      const done = await hp.start('approval', { topic: 'done' })
      await done.run()
      await done.run({ approve: { approved: true, note: 'ok' } })
      await other.query('BEGIN')
      await other.query(`SELECT pg_advisory_xact_lock_shared(${lock})`)
      const pruned = hp.prune({ olderThan: new Date(Date.now() + 1000) })
      expect(await settlesWithin(pruned, 500)).toBe(false)
      await other.query('COMMIT')
      expect(await pruned).toBe(1)
    } finally {
      await other.end()
    }
  })
})
