import { createHoldpoint, RunNotFoundError, StoreUnavailableError, type Holdpoint } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createApp, httpStatusOf } from '../src/index.js'
import { errorReply } from '../src/http/error-response.js'
import { statusOfCode } from '../src/http/error-status.js'
import { call, codeOf, type Reply } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { apiKeys, keys } from './fixtures/keys.js'
import { workflows } from './fixtures/workflows.js'

const harness = useServerHarness()

async function waitingRun(url: string, title = 'Errors'): Promise<string> {
  const reply = await call(url, 'POST', '/workflows/approval/runs', { input: { title } })
  expect(reply.status).toBe(201)
  return (reply.body as { runId: string }).runId
}

function expectError(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: codeOf(reply) }).toEqual({ status, code })
  expect(typeof (reply.body as { error: { message: unknown } }).error.message).toBe('string')
}

describe('error mapping', () => {
  it('maps every engine error code to a 4xx, or 503 for the store', () => {
    for (const [code, status] of Object.entries(statusOfCode)) {
      const expected = code.startsWith('STORE_') || code.startsWith('SCHEMA_') ? 503 : undefined
      if (expected) expect(status, code).toBe(expected)
      else expect(status >= 400 && status < 500, code).toBe(true)
      expect(httpStatusOf(code)).toBe(status)
    }
    expect(httpStatusOf('A_CODE_FROM_A_NEWER_ENGINE')).toBe(409)
    expect(errorReply(new StoreUnavailableError(new Error('down'))).headers['retry-after']).toBe(
      '1',
    )
    const unknown = errorReply(new Error('password=hunter2'))
    expect(unknown.status).toBe(500)
    expect(JSON.stringify(unknown.body)).not.toContain('hunter2')
    expect(errorReply(new RunNotFoundError('x')).body.error.details).toEqual({ runId: 'x' })
  })

  it('answers engine errors over HTTP with their status and code', async () => {
    const hp = harness.holdpoint({ limits: { answerBytes: 200 } })
    const { url } = await harness.server(hp)
    const runId = await waitingRun(url)

    expectError(await call(url, 'GET', '/runs/no-such-run'), 404, 'RUN_NOT_FOUND')
    expectError(
      await call(url, 'GET', '/runs/0190aaaa-0000-7000-8000-000000000000'),
      404,
      'RUN_NOT_FOUND',
    )
    expectError(
      await call(url, 'POST', '/workflows/nope/runs', { input: {} }),
      404,
      'WORKFLOW_NOT_FOUND',
    )
    expectError(
      await call(url, 'POST', '/workflows/approval/runs', { input: { title: 5 } }),
      422,
      'INVALID_INPUT',
    )
    expectError(
      await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'x' }, version: 9 }),
      409,
      'VERSION_MISMATCH',
    )
    const invalid = await call(url, 'POST', `/runs/${runId}/input`, {
      answers: { approve: { approved: 'yes' } },
    })
    expectError(invalid, 422, 'INVALID_INPUT')
    expect(
      (invalid.body as { error: { details: { issues: unknown[] } } }).error.details.issues.length,
    ).toBeGreaterThan(0)
    const unknown = await call(url, 'POST', `/runs/${runId}/input`, { answers: { nope: 1 } })
    expectError(unknown, 422, 'UNKNOWN_REQUEST')
    expect((unknown.body as { error: { details: unknown } }).error.details).toMatchObject({
      awaiting: ['approve'],
    })
    expectError(
      await call(url, 'POST', `/runs/${runId}/input`, { answers: { ['__proto__']: 1 } }),
      422,
      'UNKNOWN_REQUEST',
    )
    expectError(
      await call(url, 'POST', `/runs/${runId}/input`, {
        answers: { approve: { approved: true, note: 'x'.repeat(500) } },
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    )
    expectError(await call(url, 'POST', `/runs/${runId}/retry`), 409, 'RUN_NOT_FAILED')
    expectError(
      await call(url, 'POST', `/runs/${runId}/fork`, { at: 999 }),
      422,
      'INVALID_FORK_POINT',
    )

    const done = await call(url, 'POST', `/runs/${runId}/input?mode=step`, {
      answers: { approve: { approved: true, note: 'a' } },
    })
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({ status: 'running', currentNodes: ['publish'] })
    expectError(
      await call(url, 'POST', `/runs/${runId}/input`, {
        answers: { approve: { approved: false, note: 'b' } },
      }),
      409,
      'ALREADY_ANSWERED',
    )
    expect((await call(url, 'POST', `/runs/${runId}/input`, { answers: {} })).body).toMatchObject({
      status: 'completed',
    })
    const notWaiting = await call(url, 'POST', `/runs/${runId}/input`, { answers: { other: 1 } })
    expectError(notWaiting, 409, 'RUN_NOT_WAITING')
  })

  it('answers idempotent starts, conflicts, leases, fork, cancel and retry', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const headers = { 'idempotency-key': 'order-17' }
    const first = await call(
      url,
      'POST',
      '/workflows/approval/runs',
      { input: { title: 'A' } },
      { headers },
    )
    const again = await call(
      url,
      'POST',
      '/workflows/approval/runs',
      { input: { title: 'A' } },
      { headers },
    )
    expect(first.status).toBe(201)
    expect((again.body as { runId: string }).runId).toBe((first.body as { runId: string }).runId)
    expectError(
      await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'B' } }, { headers }),
      422,
      'IDEMPOTENCY_CONFLICT',
    )
    expectError(
      await call(
        url,
        'POST',
        '/workflows/approval/runs',
        { input: { title: 'B' } },
        { headers: { 'idempotency-key': 'k'.repeat(201) } },
      ),
      400,
      'INVALID_REQUEST',
    )
    // Printable ASCII, as documented: a space inside a key is part of it.
    const spaced = { 'idempotency-key': 'order 18' }
    const spacedFirst = await call(
      url,
      'POST',
      '/workflows/approval/runs',
      { input: { title: 'C' } },
      { headers: spaced },
    )
    expect(spacedFirst.status).toBe(201)
    const spacedAgain = await call(
      url,
      'POST',
      '/workflows/approval/runs',
      { input: { title: 'C' } },
      { headers: spaced },
    )
    expect((spacedAgain.body as { runId: string }).runId).toBe(
      (spacedFirst.body as { runId: string }).runId,
    )

    // Another process holds the lease of a run it started and has not run yet.
    const elsewhere = harness.holdpoint()
    const leased = await elsewhere.start('approval', { title: 'held' })
    const refused = await call(url, 'POST', `/runs/${leased.runId}/input`, { answers: {} })
    expectError(refused, 409, 'RUN_LEASED')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)

    const runId = (first.body as { runId: string }).runId
    const fork = await call(url, 'POST', `/runs/${runId}/fork`, {})
    expect(fork.status).toBe(201)
    expect(fork.body).toMatchObject({ status: 'waiting_for_input', workflowId: 'approval' })
    expect((fork.body as { runId: string }).runId).not.toBe(runId)
    const background = await call(url, 'POST', `/runs/${runId}/fork`, { background: true })
    expect(background.status).toBe(202)

    const cancelled = await call(url, 'POST', `/runs/${runId}/cancel`, { reason: 'not needed' })
    expect(cancelled.body).toMatchObject({ status: 'cancelled', awaitingInput: [] })
    expect((await call(url, 'POST', `/runs/${runId}/cancel`)).status).toBe(200)

    const fragile = await call(url, 'POST', '/workflows/fragile/runs', {})
    expect(fragile.body).toMatchObject({
      status: 'failed',
      error: { message: 'the service is down' },
    })
    expect(JSON.stringify(fragile.body)).not.toContain('stack')
    const retried = await call(
      url,
      'POST',
      `/runs/${(fragile.body as { runId: string }).runId}/retry`,
    )
    expect(retried.status).toBe(200)
    expect(retried.body).toMatchObject({ status: 'failed' })
  })

  it('refuses malformed requests with 4xx, never 500', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp, { bodyLimitBytes: 1000 })
    const runId = await waitingRun(url)
    const raw = (path: string, init: RequestInit) =>
      fetch(url + path, {
        ...init,
        headers: { authorization: `Bearer ${keys.admin}`, ...init.headers },
      })

    const malformed = await raw(`/runs/${runId}/input`, {
      method: 'POST',
      body: '{"answers":',
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe(
      'MALFORMED_JSON',
    )
    const text = await raw(`/runs/${runId}/input`, {
      method: 'POST',
      body: 'answers',
      headers: { 'content-type': 'text/plain' },
    })
    expect(text.status).toBe(415)
    const big = await raw(`/runs/${runId}/input`, {
      method: 'POST',
      body: JSON.stringify({ answers: { approve: 'x'.repeat(2000) } }),
      headers: { 'content-type': 'application/json' },
    })
    expect(big.status).toBe(413)
    expectError(await call(url, 'POST', `/runs/${runId}/input`), 400, 'INVALID_REQUEST')
    expectError(
      await call(url, 'POST', `/runs/${runId}/input`, { answers: {}, extra: 1 }),
      400,
      'INVALID_REQUEST',
    )
    expectError(await call(url, 'POST', `/runs/${runId}/input`, []), 400, 'INVALID_REQUEST')
    expectError(
      await call(url, 'POST', `/runs/${runId}/input?mode=fast`, { answers: {} }),
      400,
      'INVALID_REQUEST',
    )
    expectError(await call(url, 'GET', '/runs?limit=0'), 400, 'INVALID_REQUEST')
    expectError(await call(url, 'GET', '/runs?status=asleep'), 400, 'INVALID_REQUEST')
    expectError(await call(url, 'GET', `/runs/${runId}/events?after=-1`), 400, 'INVALID_REQUEST')
    expectError(
      await call(url, 'GET', `/runs/${runId}/events`, undefined, {
        headers: { 'last-event-id': 'x' },
      }),
      400,
      'INVALID_REQUEST',
    )
    expectError(await call(url, 'GET', '/nowhere'), 404, 'NOT_FOUND')
    const wrongMethod = await call(url, 'DELETE', `/runs/${runId}`)
    expectError(wrongMethod, 405, 'METHOD_NOT_ALLOWED')
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD')
  })

  it('answers 404 for a path no route has and 405 with Allow for another method, as JSON, also mounted under a prefix', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const runId = await waitingRun(url)
    // The routes are strict: with a trailing slash a path is no route's, whatever the method.
    for (const [method, path] of [
      ['GET', '/runs/'],
      ['POST', '/runs/'],
      ['GET', `/runs/${runId}/`],
      ['POST', `/runs/${runId}/input/`],
      ['GET', '/healthz/'],
    ] as const) {
      const reply = await call(url, method, path)
      expectError(reply, 404, 'NOT_FOUND')
      expect(reply.headers.get('allow'), path).toBeNull()
      expect((reply.body as { error: { message: string } }).error.message).toContain(
        'without the trailing slash',
      )
    }
    const wrongMethod = await call(url, 'GET', `/runs/${runId}/input`)
    expectError(wrongMethod, 405, 'METHOD_NOT_ALLOWED')
    expect(wrongMethod.headers.get('allow')).toBe('POST')

    const site = new Hono()
      .get('/site', (c) => c.text('site'))
      .route('/holdpoint', createApp(hp, { auth: { keys: apiKeys }, logger: false }))
    const request = async (method: string, path: string): Promise<Reply> => {
      const response = await site.request(path, {
        method,
        headers: { authorization: `Bearer ${keys.admin}` },
      })
      const text = await response.text()
      return { status: response.status, headers: response.headers, body: JSON.parse(text) }
    }
    const deleted = await request('DELETE', '/holdpoint/runs')
    expectError(deleted, 405, 'METHOD_NOT_ALLOWED')
    expect(deleted.headers.get('allow')).toBe('GET, HEAD')
    const input = await request('GET', `/holdpoint/runs/${runId}/input`)
    expectError(input, 405, 'METHOD_NOT_ALLOWED')
    expect(input.headers.get('allow')).toBe('POST')
    const nowhere = await request('GET', '/holdpoint/nope')
    expectError(nowhere, 404, 'NOT_FOUND')
    expect((nowhere.body as { error: { message: string } }).error.message).toContain(
      '/holdpoint/openapi.json',
    )
    expectError(await request('GET', '/holdpoint/runs/'), 404, 'NOT_FOUND')
    expectError(await request('GET', '/holdpoint'), 404, 'NOT_FOUND')
    expect((await request('GET', `/holdpoint/runs/${runId}`)).status).toBe(200)
    // The site's own paths are the site's.
    expect(await (await site.request('/site')).text()).toBe('site')
    expect((await site.request('/elsewhere')).status).toBe(404)
  })

  it('answers 503 with Retry-After once the store is closed, and 500 without details for the unexpected', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    await hp.close()
    const closed = await call(url, 'GET', '/runs')
    expectError(closed, 503, 'STORE_CLOSED')
    expect(closed.headers.get('retry-after')).toBe('1')
    const health = await call(url, 'GET', '/healthz', undefined, { key: null })
    expect(health).toMatchObject({ status: 503, body: { status: 'unavailable' } })

    const lines: string[] = []
    const { pino } = await import('pino')
    const logger = pino({}, { write: (line: string) => void lines.push(line) })
    const broken = {
      list: () => Promise.reject(new Error('secret detail')),
    } as unknown as Holdpoint
    const app = createApp(broken, { auth: { keys: apiKeys }, logger })
    const response = await app.request('/runs', {
      headers: { authorization: `Bearer ${keys.read}` },
    })
    expect(response.status).toBe(500)
    expect(await response.text()).not.toContain('secret detail')
    expect(lines.join('')).toContain('secret detail')
    expect(lines.join('')).not.toContain(keys.read)
  })

  it('reports a healthy store', async () => {
    const hp = createHoldpoint({
      workflows,
      store: postgresStore({ connectionString: harness.database().url, maxConnections: 1 }),
    })
    try {
      const { url } = await harness.server(hp)
      expect(await call(url, 'GET', '/healthz', undefined, { key: null })).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      })
    } finally {
      await hp.close()
    }
  })
})
