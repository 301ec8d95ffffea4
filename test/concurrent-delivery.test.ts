import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './setup/database.js'
import { spawnScript } from './fixtures/child.js'

type Counts = Record<string, { reviewBefore: number; reviewAfter: number; publish: number }>
type Delivered = {
  pid: number
  results: { runId: string; status?: string; error?: string }[]
  counts: Counts
}

describe('two processes deliver the same answer at the same moment', () => {
  let database: TestDatabase
  afterAll(async () => database?.drop())

  it('exactly one resumes each run: post-await code and the next node run once', async () => {
    database = await createTestDatabase()
    const runs = 20
    const starter = spawnScript('test/fixtures/approval-process.ts', [
      database.url,
      'start',
      String(runs),
    ])
    const { ids } = await starter.next<{ ids: string[] }>('started')
    await starter.exited

    const a = spawnScript('test/fixtures/approval-process.ts', [database.url, 'deliver', ...ids])
    const b = spawnScript('test/fixtures/approval-process.ts', [database.url, 'deliver', ...ids])
    await Promise.all([a.next('ready'), b.next('ready')])
    a.send('go')
    b.send('go')
    const [ra, rb] = await Promise.all([
      a.next<Delivered>('delivered'),
      b.next<Delivered>('delivered'),
    ])
    expect(await a.exited).toBe(0)
    expect(await b.exited).toBe(0)

    let contested = 0
    for (const id of ids) {
      const after = (ra.counts[id]?.reviewAfter ?? 0) + (rb.counts[id]?.reviewAfter ?? 0)
      const publish = (ra.counts[id]?.publish ?? 0) + (rb.counts[id]?.publish ?? 0)
      expect(after, `post-await code of run ${id}`).toBe(1)
      expect(publish, `publish of run ${id}`).toBe(1)
      if ((ra.counts[id]?.reviewBefore ?? 0) > 0 && (rb.counts[id]?.reviewBefore ?? 0) > 0)
        contested++
      // The loser either saw the winner's answer (a duplicate: no error) or lost the race.
      for (const r of [ra, rb]) {
        const result = r.results.find((x) => x.runId === id)
        if (result?.error !== undefined) expect(result.error).toBe('CONCURRENT_MODIFICATION')
      }
    }
    // Both processes really raced on most runs (each replayed the node before delivering).
    expect(contested).toBeGreaterThan(runs / 2)

    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    const { rows } = await client.query<{ status: string; received: number }>(
      // An answer's input_received is kept by its request row (answer_seq), or by a history row.
      `SELECT r.status, (SELECT count(*)::int FROM holdpoint.history h,
           json_array_elements(h.events) AS e(value)
         WHERE h.run_id = r.id AND e.value->>0 = 'input_received')
         + (SELECT count(*)::int FROM holdpoint.requests q
             WHERE q.run_id = r.id AND q.answer_seq IS NOT NULL) AS received
       FROM holdpoint.runs r`,
    )
    await client.end()
    expect(rows).toHaveLength(runs)
    expect(rows.every((r) => r.status === 'completed' && r.received === 1)).toBe(true)
  })
})
