import { createHoldpoint, type RunEvent } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './setup/database.js'
import { spawnScript } from './fixtures/child.js'

const script = 'test/fixtures/approval-process.ts'

describe('live event streams across OS processes', () => {
  let database: TestDatabase | undefined
  afterAll(async () => database?.drop())

  it('follows a run that another process starts and a third one completes', async () => {
    database = await createTestDatabase()
    const starter = spawnScript(script, [database.url, 'start', '1'])
    const { ids } = await starter.next<{ ids: string[] }>('started')
    expect(await starter.exited).toBe(0)
    const runId = ids[0] as string

    const hp = createHoldpoint({
      workflows: [],
      store: postgresStore({ connectionString: database.url }),
    })
    const seen: RunEvent[] = []
    let live!: () => void
    const replayed = new Promise<void>((resolve) => (live = resolve))
    const following = (async () => {
      for await (const event of hp.events(runId, { follow: true })) {
        seen.push(event)
        if (event.type === 'run_waiting') live()
      }
    })()
    await replayed
    const historyBeforeAnswer = seen.length

    const deliverer = spawnScript(script, [database.url, 'deliver', runId])
    await deliverer.next('ready')
    deliverer.send('go')
    await deliverer.next('delivered')
    expect(await deliverer.exited).toBe(0)
    await following
    await hp.close()

    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + 1))
    expect(seen.slice(historyBeforeAnswer).map((e) => e.type)).toEqual([
      'input_received',
      'node_completed',
      'node_started',
      'node_completed',
      'run_completed',
    ])
    expect(seen.at(-1)?.data).toEqual({
      output: { status: 'approved', draft: 'Draft for topic-0', note: 'ok' },
    })
  })
})
