import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { signAnswerToken, type OpenApiDocument } from '../src/index.js'
import { apiRoutes } from '../src/routes/index.js'
import {
  answerLinkSchema,
  eventListSchema,
  runListSchema,
  runStateSchema,
  workflowListSchema,
} from '../src/schemas/response-schemas.js'
import { call } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { answerLinkSecret } from './fixtures/keys.js'

const harness = useServerHarness()

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
    const conforms = (schema: z.ZodType, body: unknown): void => {
      const result = schema.safeParse(body)
      expect(result.success ? [] : result.error.issues).toEqual([])
    }
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
})
