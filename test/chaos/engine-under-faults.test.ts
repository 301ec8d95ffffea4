// Two faults the chaos suite found, each pinned down in isolation with the fault proxy, so that
// they can be replayed in a second instead of a four-minute chaos run.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHoldpoint } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { approvalWorkflow } from '../../packages/engine/test/fixtures/approval.js'
import { createTestDatabase, type TestDatabase } from '../setup/database.js'
import { FaultProxy } from './fault-proxy.js'
import { outcomeOf, refusedOutcomes } from './outcomes.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** Runs an ES module snippet that imports Holdpoint from source, in its own process. */
function runSnippet(
  code: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@holdpoint/source', '--import', 'tsx', '--input-type=module', '-e', code],
      { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (exitCode) => resolve({ code: exitCode, output }))
  })
}

describe('the engine under single faults', () => {
  let database: TestDatabase
  let proxy: FaultProxy
  /** Arms the proxy so that exactly the next write becomes an ambiguous commit. */
  let armed = false
  /** What happens right after that commit (nothing, unless a test says). */
  let afterAmbiguous = (): void => {}

  beforeAll(async () => {
    database = await createTestDatabase()
    proxy = await FaultProxy.listen({
      upstreamPort: Number(new URL(database.url).port || 5432),
      ambiguousRate: 1,
      onAmbiguous: () => afterAmbiguous(),
      random: () => {
        const pick = armed
        armed = false
        return pick ? 0 : 1
      },
    })
  })
  afterAll(async () => {
    await proxy?.close()
    await database?.drop()
  })

  function throughProxy(): string {
    const url = new URL(database.url)
    url.port = String(proxy.port)
    return url.toString()
  }

  /**
   * A pool through the proxy whose clients all have an error listener, so that the crash of the
   * first test does not take the test runner down when a later test cuts a connection.
   */
  function guardedPool(): pg.Pool {
    const pool = new pg.Pool({ connectionString: throughProxy() })
    pool.on('error', () => {})
    pool.on('connect', (client) => client.on('error', () => {}))
    return pool
  }

  it('survives a connection cut right after a write committed (STORE_UNAVAILABLE, no crash)', async () => {
    armed = true
    const { code, output } = await runSnippet(
      `import { createHoldpoint, defineWorkflow } from 'holdpoint'
       import { postgresStore } from 'holdpoint/postgres'
       const wf = defineWorkflow({ id: 'w', version: 1, start: 'a', nodes: { a: async () => 1 } })
       const hp = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: process.env.URL }) })
       await hp.store()
       const outcome = await hp.start('w', undefined).then(() => 'ok', (e) => e.code ?? String(e))
       await new Promise((resolve) => setTimeout(resolve, 500))
       console.log('survived', outcome)
       await hp.close()`,
      { URL: throughProxy() },
    )
    // The start's statement committed, the client saw the connection die: a retriable error.
    expect(output).toContain('survived')
    expect(code).toBe(0)
  })

  it('does not mistake a lost race for its own ambiguous commit when timestamps collide', async () => {
    // Two processes with clocks that agree to the millisecond, which busy servers do.
    const fixed = new Date('2030-01-01T00:00:00Z')
    const workflow = approvalWorkflow(() => {})
    const direct = createHoldpoint({
      workflows: [workflow],
      store: postgresStore({ connectionString: database.url }),
      now: () => fixed,
    })
    const pool = guardedPool()
    const proxied = createHoldpoint({
      workflows: [workflow],
      store: postgresStore({ pool }),
      now: () => fixed,
    })
    try {
      const run = await direct.start('approval', { topic: 't' })
      await run.run()
      const loser = await proxied.load(run.runId)
      const winner = await direct.load(run.runId)
      await winner.run({ approve: { approved: true, note: 'winner' } }, { background: true })

      // The loser's write finds the row version moved and changes nothing; then its
      // connection dies, and it reads the run back to learn whether its write landed.
      armed = true
      const outcome = await loser
        .run({ approve: { approved: false, note: 'loser' } }, { background: true })
        .then(
          () => outcomeOf(),
          (error: unknown) => outcomeOf(error),
        )
      const check = new pg.Client({ connectionString: database.url })
      await check.connect()
      const { rows } = await check.query<{ answer: unknown }>(
        `SELECT answer FROM holdpoint.requests WHERE run_id = $1`,
        [run.runId],
      )
      await check.end()
      expect(rows).toEqual([{ answer: { approved: true, note: 'winner' } }])
      // It must not be told that its answer was stored (ALREADY_ANSWERED is the precise refusal).
      expect(refusedOutcomes.has(outcome), `the loser was told: ${outcome}`).toBe(true)
    } finally {
      await proxied.close()
      await pool.end().catch(() => {})
      await direct.close()
    }
  })

  it('acknowledges a start whose insert committed while the store stayed unreachable a moment', async () => {
    const pool = guardedPool()
    const hp = createHoldpoint({
      workflows: [approvalWorkflow(() => {})],
      store: postgresStore({ pool }),
    })
    try {
      await hp.store()
      // The insert commits and its connection dies; the check whether it landed cannot reach
      // the database for 300 ms either (a failover, a partition): retries must not insert again.
      afterAmbiguous = () => {
        proxy.dropAll()
        proxy.refuseFor(300)
      }
      armed = true
      const outcome = await hp.start('approval', { topic: 'once' }).then(
        (engine) => engine.runId,
        (error: unknown) => outcomeOf(error),
      )
      afterAmbiguous = () => {}
      const check = new pg.Client({ connectionString: database.url })
      await check.connect()
      const { rows } = await check.query<{ id: string }>(
        `SELECT id FROM holdpoint.runs WHERE input->>'topic' = 'once'`,
      )
      await check.end()
      expect(rows).toHaveLength(1)
      expect(outcome, 'hp.start must return the run it created').toBe(rows[0]?.id)
    } finally {
      await hp.close()
      await pool.end().catch(() => {})
    }
  })
})
