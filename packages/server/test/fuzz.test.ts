import fc from 'fast-check'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { useServerHarness } from './fixtures/harness.js'
import { keys } from './fixtures/keys.js'
import { call } from './fixtures/http.js'

const harness = useServerHarness()

/** One request as the fuzzer builds it. */
interface FuzzRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string | Uint8Array | undefined
}

/** Every row of every Holdpoint table, in a stable order. */
async function snapshot(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'holdpoint' ORDER BY 1`,
    )
    const dump: Record<string, unknown[]> = {}
    for (const { table_name: table } of tables) {
      const { rows } = await client.query(`SELECT * FROM holdpoint."${table}"`)
      dump[table] = rows.map((row) => JSON.stringify(row)).sort()
    }
    return JSON.stringify(dump)
  } finally {
    await client.end()
  }
}

const junkId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  fc.uuid(),
  fc.constantFrom('..', '%', '%zz', '%00', ' ', 'approval', '__proto__', 'constructor'),
)
const encodedId = junkId.chain((id) =>
  fc.constantFrom(encodeURIComponent(id), id.replace(/[/?#]/g, '')).filter((s) => s !== ''),
)
const json = fc.jsonValue({ maxDepth: 3 })
const shaped = fc.oneof(
  fc.record(
    {
      answers: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 3 }), json),
      visits: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.integer()), json),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    { input: json, version: fc.oneof(fc.integer(), json), state: json, background: json },
    { requiredKeys: [] },
  ),
  fc.record(
    { reason: json, at: fc.oneof(fc.integer(), json), background: json },
    { requiredKeys: [] },
  ),
)
const body = fc.oneof(
  { weight: 4, arbitrary: shaped.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: json.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
)
const query = fc
  .dictionary(
    fc.constantFrom(
      'status',
      'workflow',
      'cursor',
      'limit',
      'after',
      'follow',
      'mode',
      'background',
      'token',
      'x',
    ),
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer().map(String),
      fc.constantFrom('true', 'false', 'step', ''),
    ),
    { maxKeys: 3 },
  )
  .map((q) => {
    const search = new URLSearchParams(q).toString()
    return search === '' ? '' : `?${search}`
  })
const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant(`Bearer ${keys.admin}`) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        'Bearer',
        'Bearer  ',
        `bearer ${keys.read}`,
        'AnswerToken hp1.a.b',
        `Basic ${keys.admin}`,
      ),
    ),
  },
)
const headers = fc
  .record(
    {
      authorization,
      'content-type': fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'application/json; charset=latin1',
            'text/plain',
            'application/merge-patch+json',
            'multipart/form-data',
            '',
          ),
        },
      ),
      'last-event-id': fc.oneof(fc.string({ maxLength: 12 }), fc.nat().map(String)),
      'idempotency-key': fc.string({ maxLength: 300 }),
      'x-request-id': fc.string({ maxLength: 120 }),
    },
    { requiredKeys: ['authorization'] },
  )
  .map((h) =>
    // Headers that fetch itself refuses (control characters) are not the server's business.
    Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v))),
  )

/** Requests to every endpoint that cannot be valid, so none may change anything. */
function requests(waitingRunId: string): fc.Arbitrary<FuzzRequest> {
  const runPath = (suffix: string) => encodedId.map((id) => `/runs/${id}${suffix}`)
  const route = fc.oneof(
    fc.record({
      method: fc.constant('GET'),
      path: fc.constantFrom('/workflows', '/healthz', '/openapi.json', '/runs'),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: encodedId.map((id) => `/workflows/${id}/runs`),
    }),
    fc.record({ method: fc.constant('GET'), path: runPath('') }),
    fc.record({
      method: fc.constant('POST'),
      path: fc.oneof(runPath('/input'), runPath('/cancel'), runPath('/retry'), runPath('/fork')),
    }),
    fc.record({ method: fc.constant('GET'), path: runPath('/events') }),
    fc.record({ method: fc.constant('GET'), path: fc.constant('/answer-link') }),
    // The waiting run: read it, answer what it does not ask, retry it (it has not failed).
    fc.record({ method: fc.constant('GET'), path: fc.constant(`/runs/${waitingRunId}`) }),
    fc.record({ method: fc.constant('POST'), path: fc.constant(`/runs/${waitingRunId}/input`) }),
    fc.record({ method: fc.constant('POST'), path: fc.constant(`/runs/${waitingRunId}/retry`) }),
    fc.record({
      method: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET', 'POST'),
      path: fc.string({ maxLength: 30 }).map((p) => `/${encodeURIComponent(p)}`),
    }),
  )
  return fc
    .record({ route, query, headers, body })
    .map(({ route: { method, path }, query: search, headers: h, body: b }) => ({
      method,
      path: path + search,
      headers: h,
      body: method === 'GET' ? undefined : b,
    }))
}

/**
 * True when the request could be valid and change something (answer the waiting run, start a
 * run), so the fuzzer skips it.
 */
function couldChange(request: FuzzRequest, waitingRunId: string): boolean {
  if (typeof request.body !== 'string') return false
  let parsed: unknown
  try {
    parsed = JSON.parse(request.body)
  } catch {
    return false
  }
  if (typeof parsed !== 'object' || parsed === null) return false
  const { answers, input } = parsed as { answers?: unknown; input?: { title?: unknown } | null }
  if (request.path.startsWith(`/runs/${waitingRunId}/input`)) {
    return typeof answers === 'object' && answers !== null && 'approve' in answers
  }
  if (request.path.startsWith('/workflows/fragile/runs')) return true
  return request.path.startsWith('/workflows/approval/runs') && typeof input?.title === 'string'
}

describe('fuzzing every endpoint', () => {
  it('answers 4xx (or a read) and never 5xx, and changes nothing in the database', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp, { bodyLimitBytes: 4096 })
    const started = await call(url, 'POST', '/workflows/approval/runs', {
      input: { title: 'Fuzz' },
    })
    const waitingRunId = (started.body as { runId: string }).runId
    const before = await snapshot(harness.database().url)

    await fc.assert(
      fc.asyncProperty(requests(waitingRunId), async (request) => {
        fc.pre(!couldChange(request, waitingRunId))
        // Follow only where the stream cannot open: the waiting run's events are not fuzzed.
        const response = await fetch(url + request.path, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(5000),
        })
        const text = await response.text()
        expect(response.status, `${request.method} ${request.path}: ${text}`).toBeLessThan(500)
        if (response.status >= 400) {
          const parsed = JSON.parse(text) as { error: { code: string; message: string } }
          expect(typeof parsed.error.code).toBe('string')
        }
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 600),
        seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31),
      },
    )

    expect(await snapshot(harness.database().url)).toBe(before)
  })
})
