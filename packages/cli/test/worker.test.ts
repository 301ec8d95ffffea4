import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHoldpoint, defineWorkflow, type Holdpoint } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { postgresStore } from 'holdpoint/postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/setup/database.js'
import { review } from './fixtures/review-workflow.js'
import { slow } from './fixtures/slow-workflow.js'
import { runCli, spawnCli, type SpawnedCli } from './run-cli.js'

let db: TestDatabase
let env: Record<string, string>
let hp: Holdpoint

beforeAll(async () => {
  db = await createTestDatabase()
  // The fixture config reads its databaseUrl from here.
  env = { HOLDPOINT_CLI_TEST_DATABASE_URL: db.url }
  hp = createHoldpoint({
    workflows: [review, slow],
    store: postgresStore({ connectionString: db.url, maxConnections: 2 }),
  })
})
afterAll(async () => {
  await hp?.close()
  await db?.drop()
})

const spawned: SpawnedCli[] = []
afterEach(() => {
  // A failed test must not leave a worker claiming runs behind.
  for (const cli of spawned.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL')
})

/** Starts `holdpoint worker` with the fixture config and waits until it says it started; returns its id. */
async function startWorker(
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<{ cli: SpawnedCli; id: string }> {
  const cli = spawnCli(['worker', ...args], { env: options.env ?? env })
  spawned.push(cli)
  const started = await cli.waitForStderr(/holdpoint worker: started (\S+): /)
  return { cli, id: started[1] as string }
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function statusOf(runId: string): Promise<string> {
  return (await hp.load(runId)).executionState.status
}

/** Who completed each node of the run, from its history. */
async function completedBy(runId: string): Promise<{ node: unknown; owner: unknown }[]> {
  const owners = []
  for await (const event of (await hp.load(runId)).events()) {
    if (event.type === 'node_completed')
      owners.push({ node: event.data.node, owner: event.data.owner })
  }
  return owners
}

describe('holdpoint worker', () => {
  it('runs background starts and background answers in its own process, then drains on SIGTERM', async () => {
    const titles = ['Release notes', 'Roadmap', 'Postmortem']
    const runIds: string[] = []
    for (const title of titles) {
      runIds.push((await hp.start('review', { title }, { background: true })).runId)
    }
    const { cli, id } = await startWorker(['--concurrency', '2', '--poll-ms', '200'])
    expect(cli.stderr()).toMatch(
      /started \S+: concurrency 2, lease 30000 ms, poll 200 ms, Postgres/,
    )
    expect(cli.stderr()).toContain('workflows review@1, slow@1')

    await until(async () => {
      const statuses = await Promise.all(runIds.map(statusOf))
      return statuses.every((s) => s === 'waiting_for_input')
    })
    for (const runId of runIds) {
      const engine = await hp.load(runId)
      const state = await engine.run(
        { approve: { approved: true, note: `ok ${runId}` } },
        { background: true },
      )
      expect(state.status).toBe('running') // stored and handed over, not run here
    }
    await until(async () => {
      const statuses = await Promise.all(runIds.map(statusOf))
      return statuses.every((s) => s === 'completed')
    })

    for (const [i, runId] of runIds.entries()) {
      expect((await hp.load(runId)).executionState.output).toEqual({
        status: 'approved',
        title: titles[i],
        note: `ok ${runId}`,
      })
      // Every node ran in the worker process, none in this one.
      expect(await completedBy(runId)).toEqual([
        { node: 'review', owner: id },
        { node: 'publish', owner: id },
      ])
    }

    cli.child.kill('SIGTERM')
    const exit = await cli.exited
    const stderr = cli.stderr()
    expect(exit).toEqual({ code: 0, signal: null })
    expect(stderr).toMatch(/holdpoint worker: SIGTERM: draining… \(in flight: 0, /)
    const stopped = stderr.match(
      /holdpoint worker: stopped: claimed (\d+), halted (\d+), errors 0$/m,
    )
    expect(stopped).not.toBeNull()
    expect(Number(stopped?.[1])).toBeGreaterThanOrEqual(6) // three starts and three answers
    expect(stopped?.[2]).toBe(stopped?.[1])
    expect(stderr).not.toMatch(/holdpoint worker: (run \S+: )?error/)
  })

  it('lets a run in flight reach its next halt before exiting on SIGINT', async () => {
    const { cli, id } = await startWorker(['--poll-ms', '100'])
    const { runId } = await hp.start('slow', { ms: 1500 }, { background: true })
    const store = await hp.store()
    await until(async () => (await store.loadRun(runId))?.lease?.owner === id)
    cli.child.kill('SIGINT')

    const exit = await cli.exited
    expect(exit).toEqual({ code: 0, signal: null })
    expect(cli.stderr()).toMatch(/SIGINT: draining… \(in flight: 1, waiting up to 30000 ms\)/)
    expect(cli.stderr()).toMatch(/stopped: claimed 1, halted 1, errors 0$/m)
    // The worker waited for the node and the pause that followed it.
    expect((await hp.load(runId)).executionState).toMatchObject({
      status: 'waiting_for_input',
      awaitingInput: [{ requestId: 'confirm' }],
    })
  })

  it('leaves a run cut off by the grace period to another worker, once its lease runs out', async () => {
    const first = await startWorker(['--poll-ms', '100', '--lease-ms', '1000', '--grace-ms', '0'])
    const { runId } = await hp.start('slow', { ms: 2000 }, { background: true })
    const store = await hp.store()
    await until(async () => (await store.loadRun(runId))?.lease?.owner === first.id)
    first.cli.child.kill('SIGTERM')
    expect(await first.cli.exited).toEqual({ code: 0, signal: null })
    expect(first.cli.stderr()).toMatch(
      /stopped: claimed 1, halted 0, errors 0; 1 still executing, taken over once their leases run out$/m,
    )
    expect(await statusOf(runId)).toBe('running')

    const second = await startWorker(['--poll-ms', '100'])
    await until(async () => (await statusOf(runId)) === 'waiting_for_input')
    expect(await completedBy(runId)).toEqual([{ node: 'work', owner: second.id }])
    second.cli.child.kill('SIGTERM')
    expect(await second.cli.exited).toEqual({ code: 0, signal: null })
  })

  it('leaves runs of versions it does not register to workers that do, and carries on', async () => {
    // Version 2 of review, which the worker's config does not register (a deploy half done).
    const reviewV2 = defineWorkflow({
      id: 'review',
      version: 2,
      start: 'only',
      nodes: { only: () => 'v2' },
    })
    const newer = createHoldpoint({
      workflows: [reviewV2],
      store: postgresStore({ connectionString: db.url, maxConnections: 1 }),
    })
    const { runId } = await newer.start('review', undefined, { background: true })

    const { cli } = await startWorker(['--poll-ms', '100'])
    const { runId: other } = await hp.start(
      'review',
      { title: 'Still served' },
      { background: true },
    )
    await until(async () => (await statusOf(other)) === 'waiting_for_input')
    const statusOfV2 = async (): Promise<string> => (await newer.load(runId)).executionState.status
    expect(await statusOfV2()).toBe('running') // never claimed: it waits for a v2 worker
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toEqual({ code: 0, signal: null })
    expect(cli.stderr()).toMatch(/stopped: claimed 1, halted 1, errors 0$/m)
    const v2Worker = newer.worker({ pollMs: 50 })
    await until(async () => (await statusOfV2()) === 'completed')
    await v2Worker.stop()
    await newer.close()
  })

  it('works on embedded PGlite within its own process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'holdpoint-worker-test-'))
    try {
      const local = createHoldpoint({ workflows: [review], store: pgliteStore({ dataDir: dir }) })
      const { runId } = await local.start('review', { title: 'Offline' }, { background: true })
      await local.close() // PGlite: one process at a time per data directory

      const { cli } = await startWorker(['--data-dir', dir, '--poll-ms', '100'])
      expect(cli.stderr()).toContain(`PGlite in ${dir}`)
      // The worker claims right after starting; nothing here can watch the directory meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2000))
      cli.child.kill('SIGTERM')
      expect(await cli.exited).toEqual({ code: 0, signal: null })
      expect(cli.stderr()).toMatch(/stopped: claimed 1, halted 1, errors 0$/m)

      const after = createHoldpoint({ workflows: [review], store: pgliteStore({ dataDir: dir }) })
      try {
        expect((await after.load(runId)).executionState).toMatchObject({
          status: 'waiting_for_input',
          awaitingInput: [{ requestId: 'approve' }],
        })
      } finally {
        await after.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a bad command line with exit code 2, and an unreachable database with 1', async () => {
    const zero = await runCli(['worker', '--concurrency', '0'], { env })
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('error: --concurrency must be a positive integer, got "0".')
    expect(zero.stderr).toContain('Usage: holdpoint worker')

    const lease = await runCli(['worker', '--lease-ms', '50'], { env })
    expect(lease.code).toBe(2)
    expect(lease.stderr).toContain(
      'error: --lease-ms must be an integer of at least 100, got "50".',
    )

    const extra = await runCli(['worker', 'now'], { env })
    expect(extra.code).toBe(2)
    expect(extra.stderr).toContain('error: Unexpected argument "now".')

    const help = await runCli(['worker', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: holdpoint worker')
    expect(help.stdout).toContain('works within this one process only')

    const unreachable = await runCli(
      ['worker', '--database-url', 'postgres://postgres@127.0.0.1:1/none'],
      { env },
    )
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/^error \[STORE_UNAVAILABLE\]: /)
    expect(unreachable.stderr).not.toContain('started')
  })
})
