import { createHoldpoint, type Holdpoint } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/setup/database.js'
import { review } from './fixtures/review-workflow.js'
import { slow } from './fixtures/slow-workflow.js'
import { runCli, spawnCli, type SpawnedCli } from './run-cli.js'

const adminKey = 'cli-admin-key-0123456789'
const secret = 'cli-answer-link-secret-0123456789abcdef'

let db: TestDatabase
let env: Record<string, string>
let hp: Holdpoint

beforeAll(async () => {
  db = await createTestDatabase()
  env = {
    HOLDPOINT_CLI_TEST_DATABASE_URL: db.url,
    HOLDPOINT_API_KEYS: `ops:admin:${adminKey}`,
    HOLDPOINT_ANSWER_LINK_SECRET: secret,
  }
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
  for (const cli of spawned.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL')
})

function spawn(args: readonly string[]): SpawnedCli {
  const cli = spawnCli(args, { env })
  spawned.push(cli)
  return cli
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return response.json()
}

describe('holdpoint serve and runs watch', () => {
  it('serves the config, is watched by runs watch to the end, and stops on SIGTERM', async () => {
    const server = spawn(['serve', '--port', '0'])
    const listening = await server.waitForStdout(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/)
    const url = listening[1] as string
    expect(server.stdout()).toContain('"keys":["ops (admin)"]')
    expect(server.stdout()).not.toContain(adminKey)

    const started = (await api(url, 'POST', '/workflows/review/runs', {
      input: { title: 'Served' },
    })) as { runId: string; status: string }
    expect(started.status).toBe('waiting_for_input')

    const watch = spawn(['runs', 'watch', started.runId])
    await watch.waitForStdout(/input_requested/)
    const answered = (await api(url, 'POST', `/runs/${started.runId}/input`, {
      answers: { approve: { approved: true, note: 'ok' } },
    })) as { status: string }
    expect(answered.status).toBe('completed')
    expect(await watch.exited).toEqual({ code: 0, signal: null })
    const lines = watch.stdout().trim().split('\n')
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(lines.map((_, i) => String(i + 1)))
    expect(lines.at(-1)).toMatch(/run_completed/)
    expect(watch.stdout()).toMatch(/input_received .*by=ops/)

    // The config's server.cors reaches the server: a listed origin's preflight is answered.
    const preflight = await fetch(`${url}/runs/${started.runId}/input`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://answers.example.com',
        'access-control-request-method': 'POST',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://answers.example.com')

    server.child.kill('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(server.stdout()).toContain('"msg":"stopped"')
  })

  it('runs watch exits cleanly on Ctrl-C, and prints JSON with --json', async () => {
    const engine = await hp.start('review', { title: 'Waiting' })
    await engine.run()
    const watch = spawn(['runs', 'watch', engine.runId, '--json', '--after', '1'])
    const first = await watch.waitForStdout(/^\{.*\}$/m)
    expect(JSON.parse(first[0])).toMatchObject({ runId: engine.runId, seq: 2 })
    watch.child.kill('SIGINT')
    expect(await watch.exited).toEqual({ code: 0, signal: null })
  })

  it('refuses to serve without a key, and watch refuses an unknown run', async () => {
    const noKeys = await runCli(['serve', '--port', '0'], {
      env: { HOLDPOINT_CLI_TEST_DATABASE_URL: db.url, HOLDPOINT_API_KEYS: '' },
    })
    expect(noKeys.code).toBe(1)
    expect(noKeys.stderr).toMatch(/No API keys/)
    const badKeys = await runCli(['serve', '--port', '0'], {
      env: { HOLDPOINT_CLI_TEST_DATABASE_URL: db.url, HOLDPOINT_API_KEYS: 'ops:root:abc' },
    })
    expect(badKeys.stderr).toMatch(/HOLDPOINT_API_KEYS: .*unknown scope/)
    const unknown = await runCli(['runs', 'watch', 'no-such-run'], { env })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/RUN_NOT_FOUND/)
  })
})
