import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './setup/database.js'
import { spawnScript } from './fixtures/child.js'

type Counts = Record<string, Record<string, number>>
type Started = { pid: number; ids: string[]; counts: Counts }
type Resumed = {
  pid: number
  results: { runId: string; status: string; output: unknown }[]
  counts: Counts
}

const script = 'test/fixtures/approval-process.ts'

describe('cross-process resume with real OS processes', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterAll(async () => Promise.all(cleanup.map((fn) => fn())))

  async function targets(): Promise<Record<string, string>> {
    const database: TestDatabase = await createTestDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'holdpoint-pglite-'))
    cleanup.push(database.drop, () => rm(dir, { recursive: true, force: true }))
    return {
      postgres: database.url,
      'pglite on disk': join(dir, 'db'),
      'the default store in ./.holdpoint': `default:${dir}`,
    }
  }

  it.each(['postgres', 'pglite on disk', 'the default store in ./.holdpoint'])(
    'starts in one process and completes in another (%s); the embedded store survives the restart',
    async (kind) => {
      const target = (await targets())[kind] as string
      const first = spawnScript(script, [target, 'start', '3'])
      const started = await first.next<Started>('started')
      expect(await first.exited).toBe(0)
      expect(started.ids).toHaveLength(3)

      const second = spawnScript(script, [target, 'deliver', ...started.ids])
      await second.next('ready')
      second.send('go')
      const delivered = await second.next<Resumed & { results: { status: string }[] }>('delivered')
      expect(await second.exited).toBe(0)
      expect(delivered.pid).not.toBe(started.pid)
      expect(delivered.results.map((r) => r.status)).toEqual([
        'completed',
        'completed',
        'completed',
      ])

      const third = spawnScript(script, [target, 'resume', ...started.ids])
      const resumed = await third.next<Resumed>('resumed')
      expect(resumed.results.map((r) => r.output)).toEqual(
        [0, 1, 2].map((i) => ({ status: 'approved', draft: `Draft for topic-${i}`, note: 'ok' })),
      )
      for (const id of started.ids) {
        // Process 1 ran draft and review up to the pause; process 2 replayed review from its
        // start and ran the rest; process 3 found the runs finished and ran nothing.
        // The memoized notify effect ran once in all, in process 1.
        expect(started.counts[id]).toEqual({ draft: 1, reviewBefore: 1, notify: 1 })
        expect(delivered.counts[id]).toEqual({ reviewBefore: 1, reviewAfter: 1, publish: 1 })
        expect(resumed.counts[id]).toBeUndefined()
      }
    },
    // Three processes in a row, each starting an embedded WebAssembly Postgres on a busy machine.
    90_000,
  )
})
