import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHoldpoint, LATEST_SCHEMA_VERSION, type RunListItem } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createEmptyDatabase,
  createTestDatabase,
  type TestDatabase,
} from '../../../test/setup/database.js'
import { review } from './fixtures/review-workflow.js'
import { runCli } from './run-cli.js'

let db: TestDatabase
let env: Record<string, string>

beforeAll(async () => {
  db = await createTestDatabase()
  // The fixture config reads its databaseUrl from here.
  env = { HOLDPOINT_CLI_TEST_DATABASE_URL: db.url }
})
afterAll(async () => {
  await db?.drop()
})

/** Starts a review run and runs it until it waits for "approve", through the engine API. */
async function startWaitingRun(title: string): Promise<string> {
  const hp = createHoldpoint({
    workflows: [review],
    store: postgresStore({ connectionString: db.url }),
  })
  try {
    const engine = await hp.start('review', { title })
    await engine.run()
    expect(engine.executionState.status).toBe('waiting_for_input')
    return engine.runId
  } finally {
    await hp.close()
  }
}

/** The run as the engine sees it, with its event count. */
async function inspect(
  runId: string,
): Promise<{ status: string; awaiting: string[]; events: number }> {
  const hp = createHoldpoint({
    workflows: [review],
    store: postgresStore({ connectionString: db.url }),
  })
  try {
    const engine = await hp.load(runId)
    let events = 0
    for await (const _ of engine.events()) events++
    const state = engine.executionState
    return { status: state.status, awaiting: state.awaitingInput.map((r) => r.requestId), events }
  } finally {
    await hp.close()
  }
}

describe('holdpoint migrate', () => {
  it('migrates a database given by --database-url, then finds it up to date', async () => {
    const empty = await createEmptyDatabase()
    try {
      const first = await runCli(['migrate', '--database-url', empty.url], { env })
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      const all = Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1)
      expect(first.stdout).toContain(`applied migration ${all.join(', ')}`)
      expect(first.stdout).toContain(`schema version ${LATEST_SCHEMA_VERSION}`)

      const again = await runCli(['migrate', '--database-url', empty.url], { env })
      expect(again.code).toBe(0)
      expect(again.stdout).toContain('already up to date')
    } finally {
      await empty.drop()
    }
  })

  it("uses the config's databaseUrl", async () => {
    const result = await runCli(['migrate'], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Postgres at ${new URL(db.url).toString()}: already up to date`)
  })
})

describe('holdpoint runs and input', () => {
  let runId: string

  beforeAll(async () => {
    runId = await startWaitingRun('Release notes')
  })

  it('lists the inbox as JSON and as a table', async () => {
    const json = await runCli(['runs', 'ls', '--status', 'waiting_for_input', '--json'], { env })
    expect(json.stderr).toBe('')
    expect(json.code).toBe(0)
    const runs = JSON.parse(json.stdout) as RunListItem[]
    const run = runs.find((r) => r.runId === runId)
    expect(run).toMatchObject({
      workflowId: 'review',
      version: 1,
      status: 'waiting_for_input',
      currentNodes: ['review'],
      awaitingInput: [{ requestId: 'approve', prompt: 'Publish "Release notes"?' }],
    })
    expect(run?.awaitingInput[0]?.schema).toMatchObject({
      type: 'object',
      properties: { approved: { type: 'boolean' }, note: { type: 'string' } },
    })

    const text = await runCli(['runs', 'ls', '--workflow', 'review', '--limit', '10'], { env })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^RUN\s+WORKFLOW\s+STATUS\s+NODE\s+AWAITING\s+UPDATED$/m)
    expect(text.stdout).toMatch(
      new RegExp(
        `^${runId}\\s+review@1\\s+waiting_for_input\\s+review\\s+approve\\s+\\d+s ago$`,
        'm',
      ),
    )

    const none = await runCli(['runs', 'ls', '--status', 'failed'], { env })
    expect(none.stdout).toBe('No runs.\n')
  })

  it('shows a waiting run: request, schema, a command that answers it, and history', async () => {
    const result = await runCli(['runs', 'show', runId], { env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const out = result.stdout
    expect(out).toMatch(/^status\s+waiting_for_input$/m)
    expect(out).toMatch(/^node\s+review$/m)
    expect(out).toContain('approve (node review, visit 1, text)')
    expect(out).toContain('Publish "Release notes"?')
    expect(out).toMatch(/"approved": \{\s+"type": "boolean"/)
    expect(out).toContain(`holdpoint input ${runId} approve='{`)
    expect(out).toMatch(/1\s+\S+ \S+\s+run_started/)
    expect(out).toMatch(/input_requested\s+.*requestId=approve/)

    const json = await runCli(['runs', 'show', runId, '--json'], { env })
    expect(JSON.parse(json.stdout)).toMatchObject({
      runId,
      status: 'waiting_for_input',
      awaitingInput: [{ requestId: 'approve' }],
      events: [
        { seq: 1, type: 'run_started' },
        { seq: 2, type: 'node_started' },
        { seq: 3, type: 'input_requested' },
        { seq: 4, type: 'run_waiting' },
      ],
    })
  })

  it('rejects an invalid answer with INVALID_INPUT and changes nothing', async () => {
    const before = await inspect(runId)
    const result = await runCli(['input', runId, 'approve={"approved":"yes"}'], { env })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(
      /^error \[INVALID_INPUT\]: The input was rejected and nothing was stored: /,
    )
    expect(result.stderr).toContain('approve.approved')
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(await inspect(runId)).toEqual(before)

    const unknownKey = await runCli(['input', runId, 'approval=yes'], { env })
    expect(unknownKey.code).toBe(1)
    expect(unknownKey.stderr).toMatch(/^error \[UNKNOWN_REQUEST\]: /)
    expect(await inspect(runId)).toEqual(before)
  })

  it('answers with input and runs the run to completion', async () => {
    const result = await runCli(['input', runId, 'approve={"approved":true,"note":"ok"}'], { env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`run ${runId} is completed`)
    expect(result.stdout).toContain('"status": "approved"')

    const json = await runCli(['runs', 'show', runId, '--json'], { env })
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'completed',
      awaitingInput: [],
      output: { status: 'approved', title: 'Release notes', note: 'ok' },
    })
    expect((await inspect(runId)).status).toBe('completed')
  })

  it('reports RUN_NOT_FOUND for an unknown run id', async () => {
    const missing = '01900000-0000-7000-8000-000000000000'
    const show = await runCli(['runs', 'show', missing], { env })
    expect(show.code).toBe(1)
    expect(show.stderr).toBe(
      `error [RUN_NOT_FOUND]: No run with id "${missing}" exists in this store.\n`,
    )

    const input = await runCli(['input', 'not-a-run', 'approve=true'], { env })
    expect(input.code).toBe(1)
    expect(input.stderr).toMatch(/^error \[RUN_NOT_FOUND\]: /)
  })
})

describe('holdpoint usage and setup errors', () => {
  it('prints usage with exit code 2 for a bad command line, and help with 0', async () => {
    const bad = await runCli(['runs', 'ls', '--limit', 'many'], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('error: --limit must be a positive integer, got "many".')
    expect(bad.stderr).toContain('Usage: holdpoint runs ls')

    const pair = await runCli(['input', 'some-run', 'no-equals-sign'], { env })
    expect(pair.code).toBe(2)
    expect(pair.stderr).toContain('error: "no-equals-sign" is not <request-id>=<value>.')

    const unknown = await runCli(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Unknown command "frobnicate"')

    const help = await runCli(['input', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: holdpoint input <run-id>')
  })

  it('says when there is no config or no database, without a stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'holdpoint-cli-test-'))
    try {
      const noConfig = await runCli(['runs', 'show', 'x'], { cwd: dir })
      expect(noConfig.code).toBe(1)
      expect(noConfig.stderr).toMatch(
        /^error: No holdpoint\.config\.ts, .* in .*; pass --config PATH/,
      )

      const noDatabase = await runCli(['runs', 'ls'], { cwd: dir })
      expect(noDatabase.code).toBe(1)
      expect(noDatabase.stderr).toBe(
        `error: No Holdpoint database at ${join(dir, '.holdpoint')}. Start a run there first, or pass --database-url or --data-dir.\n`,
      )

      for (const url of ['notaurl', 'localhost:5432/holdpoint']) {
        const badUrl = await runCli(['runs', 'ls', '--database-url', url], { cwd: dir })
        expect(badUrl.code).toBe(1)
        expect(badUrl.stderr).toBe(
          `error: --database-url must be a Postgres connection URL such as postgres://user@host:5432/db, not ${JSON.stringify(url)}.\n`,
        )
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
