import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { createApp, signAnswerToken, type OpenApiDocument } from '../src/index.js'
import { apiRoutes } from '../src/routes/index.js'
import {
  answerLinkSchema,
  deliveryResultSchema,
  errorBodySchema,
  eventListSchema,
  healthSchema,
  runListSchema,
  runStateSchema,
  workflowListSchema,
} from '../src/schemas/response-schemas.js'
import { call, type Reply } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { answerLinkSecret, apiKeys, keys } from './fixtures/keys.js'

const harness = useServerHarness()

/** The zod schema of each component a response refers to. */
const responseSchemas: Record<string, z.ZodType> = {
  AnswerLink: answerLinkSchema,
  DeliveryResult: deliveryResultSchema,
  Error: errorBodySchema,
  EventList: eventListSchema,
  Health: healthSchema,
  RunList: runListSchema,
  RunState: runStateSchema,
  WorkflowList: workflowListSchema,
}

function conforms(schema: z.ZodType, body: unknown): void {
  const result = schema.safeParse(body)
  expect(result.success ? [] : result.error.issues).toEqual([])
}

function token(runId: string, requestId = 'approve'): string {
  const expiresAt = new Date(Date.now() + 60_000)
  return signAnswerToken({ runId, requestId, visit: 1, expiresAt }, answerLinkSecret)
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 and lists every route with its request schemas', async () => {
    const { url } = await harness.server(harness.holdpoint(), { info: { title: 'Test API' } })
    const reply = await call(url, 'GET', '/openapi.json', undefined, { key: null })
    expect(reply.status).toBe(200)
    const doc = reply.body as OpenApiDocument
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info.title).toBe('Test API')

    const result = await new Validator().validate(doc as unknown as Record<string, unknown>)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)

    const operationIds = new Set<string>()
    for (const { spec } of apiRoutes) {
      const operation = doc.paths[spec.path]?.[spec.method] as
        | {
            operationId: string
            parameters?: { name: string; in: string }[]
            requestBody?: unknown
          }
        | undefined
      expect(operation, `${spec.method} ${spec.path}`).toBeDefined()
      expect(operation?.operationId).toBe(spec.operationId)
      operationIds.add(spec.operationId)
      for (const [, name] of spec.path.matchAll(/\{(\w+)\}/g)) {
        expect(operation?.parameters?.some((p) => p.in === 'path' && p.name === name)).toBe(true)
      }
      if (spec.body) {
        const schema = (
          operation?.requestBody as {
            content: { 'application/json': { schema: { $ref: string } } }
          }
        ).content['application/json'].schema
        const id = schema.$ref.replace('#/components/schemas/', '')
        expect(doc.components.schemas[id], id).toMatchObject({ type: 'object' })
      }
    }
    expect(operationIds.size).toBe(apiRoutes.length)
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/answer-link',
        '/healthz',
        '/openapi.json',
        '/runs',
        '/runs/{id}',
        '/runs/{id}/cancel',
        '/runs/{id}/events',
        '/runs/{id}/fork',
        '/runs/{id}/input',
        '/runs/{id}/retry',
        '/workflows',
        '/workflows/{id}/runs',
      ].sort(),
    )
    const input = doc.components.schemas.InputBody as { properties: Record<string, unknown> }
    expect(Object.keys(input.properties)).toEqual(['answers', 'visits'])
    expect(doc.paths['/runs']?.get?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'status', in: 'query' })]),
    )
    expect(doc.paths['/workflows/{id}/runs']?.post?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    )
    // Every reference points at a component that exists.
    for (const [, id] of JSON.stringify(doc).matchAll(
      /"\$ref":"#\/components\/schemas\/([^"]+)"/g,
    )) {
      expect(doc.components.schemas[id as string], id).toBeDefined()
    }
  })

  it('describes what the server answers', async () => {
    const { url } = await harness.server(harness.holdpoint())
    const started = await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'Doc' } })
    conforms(runStateSchema, started.body)
    const runId = (started.body as { runId: string }).runId
    conforms(runStateSchema, (await call(url, 'GET', `/runs/${runId}`)).body)
    conforms(runListSchema, (await call(url, 'GET', '/runs?status=waiting_for_input')).body)
    const workflows = await call(url, 'GET', '/workflows')
    conforms(workflowListSchema, workflows.body)
    expect(workflows.body).toMatchObject({
      workflows: [
        {
          id: 'approval',
          start: 'review',
          nodes: [
            { id: 'review', kind: 'node' },
            { id: 'publish', kind: 'node' },
            { id: '__completed', kind: 'final' },
          ],
          edges: [
            { from: 'review', to: 'publish', guarded: true },
            { from: 'review', to: 'review', guarded: false },
            { from: 'publish', to: '__completed', guarded: false },
          ],
          inputSchema: { type: 'object', properties: { title: { type: 'string' } } },
        },
        { id: 'fragile' },
      ],
    })
    conforms(eventListSchema, (await call(url, 'GET', `/runs/${runId}/events?follow=false`)).body)
    const token = signAnswerToken(
      { runId, requestId: 'approve', expiresAt: new Date(Date.now() + 60_000) },
      answerLinkSecret,
    )
    conforms(answerLinkSchema, (await call(url, 'GET', `/answer-link?token=${token}`)).body)
  })

  it('documents every status the routes answer, with the body they answer it with', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp, { bodyLimitBytes: 2000 })
    const withoutHistory = await harness.server(harness.holdpoint({ history: false }))
    const doc = (await call(url, 'GET', '/openapi.json', undefined, { key: null }))
      .body as OpenApiDocument
    const answered: string[] = []
    /** Checks that `path`'s operation documents the reply's status, and its body's schema. */
    const documented = (method: string, path: string, reply: Reply): Reply => {
      const operation = doc.paths[path]?.[method.toLowerCase()] as
        | { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }
        | undefined
      const response = operation?.responses[String(reply.status)]
      expect(response, `${method} ${path} answered ${reply.status}`).toBeDefined()
      const ref = response?.content?.['application/json']?.schema.$ref
      if (ref !== undefined && typeof reply.body === 'object') {
        const schema = responseSchemas[ref.replace('#/components/schemas/', '')]
        expect(schema, ref).toBeDefined()
        if (schema) conforms(schema, reply.body)
      }
      answered.push(`${method} ${path} ${reply.status}`)
      return reply
    }
    const start = async (title = 'Doc'): Promise<string> => {
      const reply = await call(url, 'POST', '/workflows/approval/runs', { input: { title } })
      return (documented('POST', '/workflows/{id}/runs', reply).body as { runId: string }).runId
    }
    const asToken = (t: string) => ({ key: null, headers: { authorization: `AnswerToken ${t}` } })
    const approve = { answers: { approve: { approved: true, note: 'ok' } } }

    documented('GET', '/workflows', await call(url, 'GET', '/workflows'))
    const runs = '/workflows/{id}/runs'
    const runId = await start()
    for (const [body, options] of [
      [{ input: { title: 'bg' }, background: true }, {}],
      [{ input: { title: 'x' }, version: 9 }, {}],
      [{ input: { title: 5 } }, {}],
      [{ input: { title: 'x'.repeat(3000) } }, {}],
      [{ input: {} }, { key: keys.read }],
      [{ input: {} }, { key: null }],
      [{ input: {} }, { headers: { 'content-type': 'text/plain' } }],
      [{ input: {}, extra: 1 }, {}],
    ] as const) {
      documented('POST', runs, await call(url, 'POST', '/workflows/approval/runs', body, options))
    }
    documented('POST', runs, await call(url, 'POST', '/workflows/nope/runs', {}))
    documented('GET', '/runs', await call(url, 'GET', '/runs'))
    documented('GET', '/runs', await call(url, 'GET', '/runs?limit=0'))
    documented('GET', '/runs/{id}', await call(url, 'GET', `/runs/${runId}`))
    documented('GET', '/runs/{id}', await call(url, 'GET', '/runs/no-such-run'))

    const input = '/runs/{id}/input'
    const deliver = (id: string, body: unknown, options = {}, query = '') =>
      call(url, 'POST', `/runs/${id}/input${query}`, body, options)
    documented('POST', input, await deliver(runId, { answers: { nope: 1 } }))
    documented('POST', input, await deliver(runId, approve, asToken(token(runId, 'other'))))
    // An engine error answered to a token, cut down to the token's request: still an Error.
    const other = { answers: { other: 1 } }
    const scoped = await deliver(runId, other, asToken(token(runId, 'other')))
    expect(documented('POST', input, scoped).body).toMatchObject({
      error: { code: 'UNKNOWN_REQUEST', details: { requestIds: ['other'] } },
    })
    documented('POST', input, await deliver(runId, approve, asToken(token(runId))))
    documented('POST', input, await deliver(runId, { answers: { approve: 1 } }))
    const rejected = { answers: { approve: { approved: false, note: 'no' } } }
    documented('POST', input, await deliver(runId, rejected, asToken(token(runId))))
    documented('POST', input, await deliver(await start(), approve))
    documented('POST', input, await deliver(await start(), approve, {}, '?background=true'))
    const tokenRun = await start()
    documented(
      'POST',
      input,
      await deliver(tokenRun, approve, asToken(token(tokenRun)), '?background=true'),
    )
    documented('POST', input, await deliver('no-such-run', approve))

    const retried = await call(url, 'POST', '/workflows/fragile/runs', {})
    const failedId = (documented('POST', runs, retried).body as { runId: string }).runId
    documented('POST', '/runs/{id}/retry', await call(url, 'POST', `/runs/${failedId}/retry`))
    documented('POST', '/runs/{id}/retry', await call(url, 'POST', `/runs/${runId}/retry`))
    const fork = '/runs/{id}/fork'
    const waiting = await start()
    documented('POST', fork, await call(url, 'POST', `/runs/${waiting}/fork`, {}))
    documented('POST', fork, await call(url, 'POST', `/runs/${waiting}/fork`, { background: true }))
    documented('POST', fork, await call(url, 'POST', `/runs/${waiting}/fork`, { at: 999 }))
    documented('POST', '/runs/{id}/cancel', await call(url, 'POST', `/runs/${waiting}/cancel`, {}))

    const events = '/runs/{id}/events'
    const history = await call(url, 'GET', `/runs/${runId}/events?follow=false`)
    documented('GET', events, history)
    const last = (history.body as { events: { seq: number }[] }).events.at(-1)?.seq ?? 0
    documented('GET', events, await call(url, 'GET', `/runs/${runId}/events?after=${last}`))
    documented('GET', events, await call(url, 'GET', '/runs/no-such-run/events'))
    documented('GET', events, await call(url, 'GET', `/runs/${runId}/events?after=x`))
    const unrecorded = await call(withoutHistory.url, 'POST', '/workflows/approval/runs', {
      input: { title: 'no history' },
    })
    const unrecordedId = (unrecorded.body as { runId: string }).runId
    const disabled = await call(withoutHistory.url, 'GET', `/runs/${unrecordedId}/events`)
    expect((disabled.body as { error: { code: string } }).error.code).toBe('HISTORY_DISABLED')
    documented('GET', events, disabled)

    const link = '/answer-link'
    documented('GET', link, await call(url, 'GET', `/answer-link?token=${token(runId)}`))
    documented(
      'GET',
      link,
      await call(url, 'GET', '/answer-link?token=x', undefined, { key: null }),
    )
    const gone = token('0190aaaa-0000-7000-8000-000000000000')
    documented('GET', link, await call(url, 'GET', `/answer-link?token=${gone}`))
    documented('GET', '/healthz', await call(url, 'GET', '/healthz', undefined, { key: null }))

    // Shutting down: every route answers 503, /healthz with its own body.
    const shutdown = new AbortController()
    const app = createApp(hp, { auth: { keys: apiKeys }, logger: false, signal: shutdown.signal })
    shutdown.abort()
    const ask = async (path: string): Promise<Reply> => {
      const response = await app.request(path, {
        headers: { authorization: `Bearer ${keys.admin}` },
      })
      return { status: response.status, headers: response.headers, body: await response.json() }
    }
    const healthz = documented('GET', '/healthz', await ask('/healthz'))
    expect(healthz).toMatchObject({ status: 503, body: { status: 'unavailable' } })
    expect(healthz.headers.get('retry-after')).toBe('1')
    documented('GET', '/runs', await ask('/runs'))

    for (const status of [200, 201, 202, 204, 400, 401, 403, 404, 409, 413, 415, 422, 503]) {
      expect(
        answered.some((a) => a.endsWith(` ${status}`)),
        String(status),
      ).toBe(true)
    }
  })
})
