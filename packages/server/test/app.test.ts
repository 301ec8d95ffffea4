import { Hono } from 'hono'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createApp, signAnswerToken } from '../src/index.js'
import { call } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { answerLinkSecret, apiKeys, keys } from './fixtures/keys.js'
import { openEvents } from './fixtures/sse-client.js'

const harness = useServerHarness()

describe('the app', () => {
  it('mounts under a prefix of another Hono app', async () => {
    const hp = harness.holdpoint()
    const site = new Hono().route(
      '/holdpoint',
      createApp(hp, { auth: { keys: apiKeys }, logger: false }),
    )
    const response = await site.request('/holdpoint/workflows', {
      headers: { authorization: `Bearer ${keys.read}` },
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { workflows: unknown[] }).workflows).toHaveLength(2)
    expect((await site.request('/holdpoint/runs')).status).toBe(401)
  })

  it('pages the inbox with cursors and filters it', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const ids: string[] = []
    for (const title of ['a', 'b', 'c']) {
      const reply = await call(url, 'POST', '/workflows/approval/runs', { input: { title } })
      ids.push((reply.body as { runId: string }).runId)
    }
    await call(url, 'POST', '/workflows/fragile/runs', {})
    const seen: string[] = []
    let cursor = ''
    for (;;) {
      const page = await call(
        url,
        'GET',
        `/runs?status=waiting_for_input&workflow=approval&limit=2${cursor}`,
      )
      const body = page.body as {
        runs: { runId: string; status: string }[]
        nextCursor: string | null
      }
      seen.push(...body.runs.map((r) => r.runId))
      expect(body.runs.every((r) => r.status === 'waiting_for_input')).toBe(true)
      if (body.nextCursor === null) break
      cursor = `&cursor=${body.nextCursor}`
    }
    expect(seen).toEqual(expect.arrayContaining(ids))
    const failed = await call(url, 'GET', '/runs?status=failed,cancelled')
    expect(
      (failed.body as { runs: { workflowId: string }[] }).runs.map((r) => r.workflowId),
    ).toContain('fragile')
  })

  it('keeps paging past a run deleted after its page was read', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const marker = await hp.start('approval', { title: 'before the others' })
    const ids: string[] = []
    for (const title of ['a', 'b', 'c']) {
      const reply = await call(url, 'POST', '/workflows/approval/runs', { input: { title } })
      ids.push((reply.body as { runId: string }).runId)
    }
    const first = await call(url, 'GET', `/runs?limit=2&cursor=${marker.runId}`)
    const page = first.body as { runs: { runId: string }[]; nextCursor: string }
    expect(page.runs.map((r) => r.runId)).toEqual(ids.slice(0, 2))
    await (await hp.load(ids[1] as string)).cancel()
    await hp.prune({ olderThan: new Date(Date.now() + 60_000) })
    const next = await call(url, 'GET', `/runs?limit=2&cursor=${page.nextCursor}`)
    expect((next.body as { runs: { runId: string }[] }).runs.map((r) => r.runId)).toEqual([ids[2]])
    const byId = await call(url, 'GET', `/runs?limit=2&cursor=${ids[1]}`)
    expect(byId.status).toBe(422)
    expect(byId.body).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
  })

  it('hands a background answer to the workers and streams from ?after=', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const started = await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'bg' } })
    const runId = (started.body as { runId: string }).runId
    const history = await call(url, 'GET', `/runs/${runId}/events?follow=false`)
    const seqs = (history.body as { events: { seq: number }[] }).events.map((e) => e.seq)
    const last = seqs.at(-1) ?? 0
    expect(history.body).toMatchObject({ nextAfter: null })
    // The same history a page of two events at a time.
    const paged: number[] = []
    for (let after: number | null = 0; after !== null;) {
      const page = await call(
        url,
        'GET',
        `/runs/${runId}/events?follow=false&limit=2&after=${after}`,
      )
      const body = page.body as { events: { seq: number }[]; nextAfter: number | null }
      expect(body.events.length).toBeLessThanOrEqual(2)
      paged.push(...body.events.map((e) => e.seq))
      after = body.nextAfter
    }
    expect(paged).toEqual(seqs)

    const handed = await call(url, 'POST', `/runs/${runId}/input?background=true`, {
      answers: { approve: { approved: true, note: 'later' } },
    })
    expect(handed.status).toBe(202)
    expect(handed.body).toMatchObject({ status: 'running' })
    const sse = await openEvents(url, runId, { query: `?after=${last}` })
    const worker = hp.worker({ pollMs: 100 })
    try {
      await sse.waitFor((m) => m.event === 'run_completed')
      await sse.ended
    } finally {
      await worker.stop()
    }
    expect(sse.messages[0]?.data.seq).toBe(last + 1)
    expect(sse.messages[0]?.event).toBe('input_received')
  })

  it('logs one line per request with ids, status and duration, and never a key or token', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) })
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp, { logger })
    const started = await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'log' } })
    const runId = (started.body as { runId: string }).runId
    const token = signAnswerToken(
      { runId, requestId: 'approve', expiresAt: new Date(Date.now() + 60_000) },
      answerLinkSecret,
    )
    await call(url, 'GET', `/answer-link?token=${token}`, undefined, { key: null })
    await call(
      url,
      'POST',
      `/runs/${runId}/input?token=${token}`,
      { answers: { approve: { approved: true, note: 'ok' } } },
      { key: null, headers: { 'x-request-id': 'req-42' } },
    )
    await call(url, 'GET', '/runs', undefined, { key: 'not-a-valid-key-at-all' })
    // A client that goes away ends its stream on the server too.
    const other = await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'gone' } })
    const sse = await openEvents(url, (other.body as { runId: string }).runId)
    await sse.waitFor((m) => m.event === 'run_waiting')
    sse.close()
    await expect.poll(() => lines.some((l) => l.includes('event stream closed'))).toBe(true)
    expect(lines.find((l) => l.includes('event stream closed'))).toContain('"reason":"aborted"')
    const text = lines.join('')
    for (const secret of [token, keys.admin, 'not-a-valid-key-at-all', answerLinkSecret]) {
      expect(text).not.toContain(secret)
    }
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    const answer = entries.find((e) => e.reqId === 'req-42')
    expect(answer).toMatchObject({
      method: 'POST',
      path: `/runs/${runId}/input`,
      status: 200,
      runId,
      requestIds: ['approve'],
      principal: 'answer-token',
    })
    expect(typeof answer?.durationMs).toBe('number')
    expect(entries.find((e) => e.status === 401)).toBeDefined()
  })
})
