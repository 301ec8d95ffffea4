import { CompiledQuery, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { SqlStore } from '../src/postgres.js'
import { runsPageQuery } from '../src/store/sql-list-runs.js'
import type { RunFilter } from '../src/store/store.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

describe.each(storeKinds)('run lists at scale (%s)', (kind) => {
  const stores = useStores()

  it('reads a page by the status index, from the start and from a cursor, for any statuses', async () => {
    const store = (await stores.fresh(kind)) as SqlStore
    await store.ready()
    // One run in ten waits; the rest are done. Every run created at its own second.
    await sql`INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position,
        state, outputs, input, created_at, updated_at)
      SELECT gen_random_uuid(), 'filler', 1,
        CASE WHEN i % 10 = 0 THEN 'waiting_for_input' ELSE 'completed' END, NULL, 1, '{}', '{}',
        '{}', 'null', now() - i * interval '1 second', now()
      FROM generate_series(1, 20000) AS i`.execute(store.db)
    await sql`ANALYZE holdpoint.runs`.execute(store.db)
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM holdpoint.runs WHERE status = 'waiting_for_input'
      ORDER BY created_at, id OFFSET 500 LIMIT 1`.execute(store.db)
    const cursor = rows[0]?.id as string

    const { rows: at } = await sql<{ created_at: Date }>`
      SELECT created_at FROM holdpoint.runs WHERE id = ${cursor}`.execute(store.db)
    const position = { id: cursor, createdAt: at[0]?.created_at as Date }
    // Every status, several, or a workflow's runs: each status's page by the index, then merged.
    const filters: Array<[Omit<RunFilter, 'after'>, typeof position | undefined]> = [
      [{ status: 'waiting_for_input', limit: 100 }, undefined],
      [{ status: 'waiting_for_input', limit: 100 }, position],
      [{ limit: 100 }, undefined],
      [{ limit: 100 }, position],
      [{ status: ['completed', 'waiting_for_input'], limit: 100 }, position],
      [{ workflowId: 'filler', limit: 100 }, undefined],
    ]
    for (const [filter, after] of filters) {
      const query = runsPageQuery(store.db, filter, after)?.compile()
      if (!query) throw new Error('no query')
      const plan = await store.db.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`EXPLAIN ${query.sql}`, [...query.parameters]),
      )
      const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n')
      expect(text).toMatch(/Index Scan using runs_status_idx/)
      expect(text).not.toMatch(/Seq Scan on runs\b/)
    }
    // And the pages themselves: in (created_at, id) order, the cursor's page right after it.
    const first = await store.listRuns({ status: 'waiting_for_input', limit: 3 })
    expect(first.map((r) => r.createdAt.getTime())).toEqual(
      [...first.map((r) => r.createdAt.getTime())].sort((a, b) => a - b),
    )
    const page = await store.listRuns({ status: 'waiting_for_input', limit: 2, after: cursor })
    const { rows: expected } = await sql<{ id: string }>`
      SELECT id FROM holdpoint.runs WHERE status = 'waiting_for_input'
      ORDER BY created_at, id OFFSET 501 LIMIT 2`.execute(store.db)
    expect(page.map((r) => r.id)).toEqual(expected.map((r) => r.id))
    const mixed = await store.listRuns({ limit: 15, after: cursor })
    const { rows: everyStatus } = await sql<{ id: string }>`
      SELECT id FROM holdpoint.runs WHERE (created_at, id) > (
        SELECT created_at, id FROM holdpoint.runs WHERE id = ${cursor})
      ORDER BY created_at, id LIMIT 15`.execute(store.db)
    expect(mixed.map((r) => r.id)).toEqual(everyStatus.map((r) => r.id))
  })
})
