import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createApp, InvalidOptionError, signAnswerToken, type CorsOptions } from '../src/index.js'
import { call, codeOf, type Reply } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { answerLinkSecret, apiKeys, keys } from './fixtures/keys.js'

const harness = useServerHarness()

const page = 'https://app.example.com'
const stranger = 'https://elsewhere.example'

/** The CORS headers of a response, by lower-case name. */
function corsHeadersOf(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => name.startsWith('access-control-')))
}

function preflight(origin: string | undefined, method = 'POST'): Record<string, string> {
  return {
    ...(origin === undefined ? {} : { origin }),
    'access-control-request-method': method,
    'access-control-request-headers': 'authorization, content-type',
  }
}

async function waitingRun(url: string): Promise<string> {
  const started = await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'CORS' } })
  expect(started.status).toBe(201)
  return (started.body as { runId: string }).runId
}

describe('CORS', () => {
  it("answers the allowed origins' preflights with 204, and others as without CORS", async () => {
    const hp = harness.holdpoint()
    const cors = { origins: [page, 'http://localhost:5173'], maxAgeSeconds: 120 }
    const { url } = await harness.server(hp, { cors })
    const runId = await waitingRun(url)
    const path = `/runs/${runId}/input`

    const allowed = await call(url, 'OPTIONS', path, undefined, {
      key: null,
      headers: preflight(page),
    })
    expect(allowed.status).toBe(204)
    expect(allowed.body).toBeUndefined()
    expect(corsHeadersOf(allowed.headers)).toEqual({
      'access-control-allow-origin': page,
      'access-control-allow-methods': 'GET, HEAD, POST',
      'access-control-allow-headers':
        'authorization, content-type, idempotency-key, last-event-id, x-request-id',
      'access-control-max-age': '120',
    })
    expect(allowed.headers.get('vary')).toContain('Origin')
    const local = await call(url, 'OPTIONS', '/answer-link', undefined, {
      key: null,
      headers: preflight('http://localhost:5173', 'GET'),
    })
    expect(local.status).toBe(204)
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')

    // Another origin, no origin, or an OPTIONS that is no preflight: the route's 405, no CORS.
    for (const headers of [preflight(stranger), preflight(undefined), preflight(`${page}/`)]) {
      const refused = await call(url, 'OPTIONS', path, undefined, { key: null, headers })
      expect([refused.status, codeOf(refused)]).toEqual([405, 'METHOD_NOT_ALLOWED'])
      expect(refused.headers.get('allow')).toBe('POST')
      expect(corsHeadersOf(refused.headers)).toEqual({})
    }
    const plain = await call(url, 'OPTIONS', path, undefined, {
      key: null,
      headers: { origin: page },
    })
    expect([plain.status, codeOf(plain)]).toEqual([405, 'METHOD_NOT_ALLOWED'])
    expect(plain.headers.get('access-control-allow-origin')).toBe(page)
  })

  it('lets an answer page on an allowed origin read every answer: JSON, errors, 404, 405 and event streams', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp, { cors: { origins: [page] } })
    const runId = await waitingRun(url)
    const token = signAnswerToken(
      { runId, requestId: 'approve', visit: 1, expiresAt: new Date(Date.now() + 60_000) },
      answerLinkSecret,
    )
    const fromPage = { origin: page, authorization: `AnswerToken ${token}` }
    const expectAllowed = (reply: Reply, status: number): void => {
      expect(reply.status).toBe(status)
      expect(reply.headers.get('access-control-allow-origin')).toBe(page)
      expect(reply.headers.get('access-control-expose-headers')).toBe('retry-after, x-request-id')
      expect(reply.headers.get('access-control-allow-credentials')).toBeNull()
      expect(reply.headers.get('vary')).toContain('Origin')
    }

    const link = await call(url, 'GET', '/answer-link', undefined, { key: null, headers: fromPage })
    expectAllowed(link, 200)
    expect(link.body).toMatchObject({ state: 'open', requestId: 'approve' })
    const wrongRequest = { answers: { legal: true } }
    const forbidden = await call(url, 'POST', `/runs/${runId}/input`, wrongRequest, {
      key: null,
      headers: fromPage,
    })
    expectAllowed(forbidden, 403)
    expectAllowed(
      await call(url, 'GET', '/runs', undefined, { key: null, headers: { origin: page } }),
      401,
    )
    expectAllowed(await call(url, 'GET', '/nowhere', undefined, { headers: { origin: page } }), 404)
    expectAllowed(await call(url, 'DELETE', '/runs', undefined, { headers: { origin: page } }), 405)
    const answer = { answers: { approve: { approved: true, note: 'ok' } } }
    const answered = await call(url, 'POST', `/runs/${runId}/input`, answer, {
      key: null,
      headers: fromPage,
    })
    expectAllowed(answered, 200)
    expect(answered.body).toMatchObject({ state: 'answered', runStatus: 'completed' })

    // A stream's headers go out before its first event: they must carry the CORS header too.
    const abort = new AbortController()
    const stream = await fetch(`${url}/runs/${runId}/events`, {
      headers: { origin: page, authorization: `Bearer ${keys.read}` },
      signal: abort.signal,
    })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(stream.headers.get('access-control-allow-origin')).toBe(page)
    abort.abort()

    // Another origin gets the same answers without CORS headers.
    const other = await call(url, 'GET', '/answer-link', undefined, {
      key: null,
      headers: { ...fromPage, origin: stranger },
    })
    expect(other.status).toBe(200)
    expect(corsHeadersOf(other.headers)).toEqual({})
  })

  it('sends credentials and any origin when asked, also mounted under a prefix and shutting down', async () => {
    const hp = harness.holdpoint()
    const shutdown = new AbortController()
    const withCredentials = createApp(hp, {
      auth: { keys: apiKeys },
      logger: false,
      cors: { origins: [page], credentials: true },
      signal: shutdown.signal,
    })
    const site = new Hono().route('/holdpoint', withCredentials)
    const mounted = await site.request('/holdpoint/runs', {
      method: 'OPTIONS',
      headers: preflight(page, 'GET'),
    })
    expect(mounted.status).toBe(204)
    expect(corsHeadersOf(mounted.headers)).toMatchObject({
      'access-control-allow-origin': page,
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
    })
    const missing = await site.request('/holdpoint/nope', { headers: { origin: page } })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('access-control-allow-credentials')).toBe('true')
    shutdown.abort()
    const closing = await withCredentials.request('/runs', {
      headers: { origin: page, authorization: `Bearer ${keys.read}` },
    })
    expect(closing.status).toBe(503)
    expect(closing.headers.get('access-control-allow-origin')).toBe(page)

    const anyOrigin = createApp(hp, {
      auth: { keys: apiKeys },
      logger: false,
      cors: { origins: '*' },
    })
    const open = await anyOrigin.request('/healthz', { headers: { origin: stranger } })
    expect(open.status).toBe(200)
    expect(corsHeadersOf(open.headers)).toMatchObject({ 'access-control-allow-origin': '*' })
    const anyPreflight = await anyOrigin.request('/runs', {
      method: 'OPTIONS',
      headers: preflight(stranger, 'GET'),
    })
    expect(anyPreflight.status).toBe(204)
    expect(anyPreflight.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('is off without the option: OPTIONS is a 404 or 405, and no response has CORS headers', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const runId = await waitingRun(url)
    const refused = await call(url, 'OPTIONS', `/runs/${runId}/input`, undefined, {
      key: null,
      headers: preflight(page),
    })
    expect([refused.status, codeOf(refused)]).toEqual([405, 'METHOD_NOT_ALLOWED'])
    const nowhere = await call(url, 'OPTIONS', '/nowhere', undefined, { headers: preflight(page) })
    expect([nowhere.status, codeOf(nowhere)]).toEqual([404, 'NOT_FOUND'])
    const read = await call(url, 'GET', `/runs/${runId}`, undefined, { headers: { origin: page } })
    expect(read.status).toBe(200)
    for (const reply of [refused, nowhere, read]) {
      expect(corsHeadersOf(reply.headers)).toEqual({})
      expect(reply.headers.get('vary')).toBeNull()
    }
  })

  it('refuses a malformed cors option up front, saying what to pass', () => {
    const hp = harness.holdpoint()
    const make = (cors: unknown) => () =>
      createApp(hp, { auth: { keys: apiKeys }, logger: false, cors: cors as CorsOptions })
    for (const [cors, option, says] of [
      [
        { origins: [`${page}/`] },
        'cors.origins[0]',
        'no path or trailing slash), such as "https://app.example.com"',
      ],
      [
        { origins: [page, 'app.example.com'] },
        'cors.origins[1]',
        'such as "https://app.example.com"',
      ],
      [
        { origins: ['https://App.example.com'] },
        'cors.origins[0]',
        'such as "https://app.example.com", got "https://App.example.com"',
      ],
      [{ origins: ['null'] }, 'cors.origins[0]', 'an origin as browsers send it'],
      [{ origins: [] }, 'cors.origins', "'*' or a non-empty list of origins"],
      [{ origins: page }, 'cors.origins', "'*' or a non-empty list of origins"],
      [{ origins: '*', credentials: true }, 'cors.origins', 'browsers refuse credentials'],
      [{ origins: [page], credentials: 'yes' }, 'cors.credentials', 'true or false'],
      [{ origins: [page], maxAgeSeconds: -1 }, 'cors.maxAgeSeconds', 'from 0 to 86400'],
      [{ origins: [page], maxAgeSeconds: 1.5 }, 'cors.maxAgeSeconds', 'a whole number'],
      [
        { origins: [page], maxAge: 60 },
        'cors',
        'origins, credentials and maxAgeSeconds only (no "maxAge")',
      ],
      [true, 'cors', 'an object such as { origins: ["https://app.example.com"] }'],
    ] as const) {
      let thrown: unknown
      try {
        make(cors)()
      } catch (error) {
        thrown = error
      }
      expect(thrown, JSON.stringify(cors)).toBeInstanceOf(InvalidOptionError)
      expect(thrown).toBeInstanceOf(TypeError)
      expect((thrown as InvalidOptionError).option).toBe(option)
      expect((thrown as Error).message).toContain(says)
    }
    expect(make({ origins: [page], credentials: true, maxAgeSeconds: 0 })).not.toThrow()
  })
})
