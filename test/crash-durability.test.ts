import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './setup/database.js'
import { spawnScript } from './fixtures/child.js'

const script = 'test/fixtures/approval-process.ts'

describe('an answer survives the process that accepted it', () => {
  let database: TestDatabase
  afterAll(async () => database?.drop())

  it('is stored before the node continues: SIGKILL after the await loses nothing', async () => {
    database = await createTestDatabase()
    const starter = spawnScript(script, [database.url, 'start', '1'])
    const { ids } = await starter.next<{ ids: string[] }>('started')
    await starter.exited
    const runId = ids[0] as string

    const victim = spawnScript(script, [database.url, 'deliver', runId], {
      HANG_AFTER_AWAIT: '1',
      LEASE_MS: '1000',
    })
    await victim.next('ready')
    victim.send('go')
    await victim.next('after-await') // the node is past its await, the run not yet checkpointed
    victim.process.kill('SIGKILL')
    expect(await victim.exited).toBe('SIGKILL')

    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    const { rows } = await client.query<{ status: string; answer: unknown; run_status: string }>(
      `SELECT q.status, q.answer, r.status AS run_status
         FROM holdpoint.requests q JOIN holdpoint.runs r ON r.id = q.run_id WHERE q.run_id = $1`,
      [runId],
    )
    await client.end()
    expect(rows).toEqual([
      { status: 'answered', answer: { approved: true, note: 'ok' }, run_status: 'running' },
    ])

    // Another process takes it over once the dead process's lease has run out, without the
    // answer being sent again.
    const rescuer = spawnScript(script, [database.url, 'resume', runId])
    const resumed = await rescuer.next<{ results: { status: string; output: unknown }[] }>(
      'resumed',
    )
    expect(resumed.results[0]).toMatchObject({
      status: 'completed',
      output: { status: 'approved', draft: 'Draft for topic-0', note: 'ok' },
    })
  })
})
