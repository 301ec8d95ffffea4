import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Store } from 'holdpoint'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/setup/database.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { createWebHandoffApp } from '../src/web-handoff/app.js'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const prompt = 'Please review this draft:\nGenerated content for: AI safety\n\nApprove? (yes/no): '

interface Reply {
  status: number
  headers: Headers
  json: Record<string, unknown>
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const init: RequestInit = { method }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    init.headers = { 'content-type': 'application/json' }
  }
  const res = await fetch(`${base}${path}`, init)
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json()) as Record<string, unknown>,
  }
}

/**
 * The hand-off, end to end: started through A, refused and answered through B, read through A.
 * Returns the run id.
 */
async function handOff(a: string, b: string): Promise<string> {
  const started = await call(a, 'POST', '/runs', { topic: 'AI safety' })
  expect(started.status).toBe(201)
  expect(started.json).toMatchObject({
    workflowId: 'approval',
    status: 'waiting_for_input',
    awaitingInput: [
      { requestId: 'approve', prompt, inputType: 'select', options: ['yes', 'no'], visit: 1 },
    ],
  })
  const runId = String(started.json.runId)
  expect(started.headers.get('location')).toBe(`/runs/${runId}`)
  const input = `/runs/${runId}/input`

  // Bad input through B: 400s with Holdpoint's codes, and nothing stored.
  const invalid = await call(b, 'POST', input, { approve: 'maybe' })
  expect(invalid.status).toBe(400)
  expect(invalid.json).toMatchObject({
    error: { code: 'INVALID_INPUT', issues: [{ requestId: 'approve' }] },
  })
  const unknownKey = await call(b, 'POST', input, { approved: 'yes' })
  expect(unknownKey).toMatchObject({ status: 400, json: { error: { code: 'UNKNOWN_REQUEST' } } })
  expect(await call(b, 'POST', input, '{"approve": ')).toMatchObject({
    status: 400,
    json: { error: { code: 'INVALID_INPUT', message: 'The body is not valid JSON.' } },
  })
  expect(await call(b, 'POST', input, '["yes"]')).toMatchObject({
    status: 400,
    json: { error: { code: 'INVALID_INPUT' } },
  })
  expect(await call(a, 'GET', `/runs/${runId}`)).toMatchObject({
    status: 200,
    json: { status: 'waiting_for_input' },
  })

  // The answer through B; the result read through A.
  const answered = await call(b, 'POST', input, { approve: 'yes' })
  expect(answered).toMatchObject({
    status: 200,
    json: {
      runId,
      status: 'completed',
      awaitingInput: [],
      output: { status: 'approved', content: 'Generated content for: AI safety' },
    },
  })
  expect(await call(a, 'GET', `/runs/${runId}`)).toMatchObject({
    status: 200,
    json: { status: 'completed', output: { status: 'approved' } },
  })

  // A repeated answer is idempotent; a changed one is a conflict.
  expect(await call(a, 'POST', input, { approve: 'yes' })).toMatchObject({
    status: 200,
    json: { status: 'completed' },
  })
  expect(await call(a, 'POST', input, { approve: 'no' })).toMatchObject({
    status: 409,
    json: { error: { code: 'ALREADY_ANSWERED' } },
  })

  // Unknown runs and routes.
  const missing = await call(a, 'GET', `/runs/${randomUUID()}`)
  expect(missing).toMatchObject({ status: 404, json: { error: { code: 'RUN_NOT_FOUND' } } })
  expect(await call(b, 'GET', '/runs/not-a-run-id')).toMatchObject({ status: 404 })
  expect(await call(b, 'GET', '/runs/%E0%A4%A')).toMatchObject({
    status: 404,
    json: { error: { code: 'RUN_NOT_FOUND' } },
  })
  expect(await call(b, 'POST', `/runs/${randomUUID()}/input`, { approve: 'yes' })).toMatchObject({
    status: 404,
    json: { error: { code: 'RUN_NOT_FOUND' } },
  })
  expect(await call(a, 'POST', '/runs', {})).toMatchObject({
    status: 400,
    json: { error: { code: 'INVALID_INPUT' } },
  })
  expect(await call(a, 'GET', '/runs')).toMatchObject({ status: 405 })
  expect(await call(a, 'GET', '/elsewhere')).toMatchObject({
    status: 404,
    json: { error: { code: 'NOT_FOUND' } },
  })
  return runId
}

describe.each(storeKinds)('web hand-off, two app instances in one process (%s)', (kind) => {
  const stores = useStores()

  it('starts a run on one instance and takes the answer on the other', async () => {
    const store: Store = await stores.open(kind)
    const notify = vi.fn()
    const onError = vi.fn()
    const a = createWebHandoffApp({ store, notify, onError })
    const b = createWebHandoffApp({ store, notify, onError })
    const [portA, portB] = await Promise.all([a.listen(), b.listen()])
    try {
      await handOff(`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`)
      // B replayed the approval node for every delivery; the reviewer was notified once.
      expect(notify).toHaveBeenCalledTimes(1)
      expect(onError).not.toHaveBeenCalled()
    } finally {
      // The store belongs to the test harness, so only the servers are closed here.
      a.server.close()
      b.server.close()
    }
  })
})

interface ServerProcess {
  base: string
  stderr(): string
  stop(): Promise<number | null>
}

async function startServer(databaseUrl: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@holdpoint/source',
      '--import',
      'tsx',
      'packages/examples/src/web-handoff/server.ts',
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const lines = createInterface({ input: child.stdout })
  const firstLine = await Promise.race([
    once(lines, 'line') as Promise<[string]>,
    exited.then(([code]) => {
      throw new Error(`The server exited with ${code} before listening:\n${stderr}`)
    }),
  ])
  const port = Number(firstLine[0])
  expect(Number.isInteger(port) && port > 0).toBe(true)
  return {
    base: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const [code] = await exited
      return code
    },
  }
}

describe('web hand-off, two server processes on Postgres', () => {
  let database: TestDatabase | undefined
  afterAll(async () => {
    await database?.drop()
  })

  it('starts a run through server A, answers it through server B, and reads it through A', async () => {
    database = await createTestDatabase()
    const servers = await Promise.all([startServer(database.url), startServer(database.url)])
    const [a, b] = servers
    try {
      await handOff(a.base, b.base)
      // Server B replayed the node before the await; only server A ever notified.
      const notices = (server: ServerProcess) => server.stderr().match(/^notify: /gm)?.length ?? 0
      expect([notices(a), notices(b)]).toEqual([1, 0])
    } finally {
      const codes = await Promise.all(servers.map((server) => server.stop()))
      expect(codes).toEqual([0, 0])
    }
  })
})
