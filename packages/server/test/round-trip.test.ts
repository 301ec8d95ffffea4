import { describe, expect, it } from 'vitest'
import { signAnswerToken } from '../src/index.js'
import { call } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { answerLinkSecret, keys } from './fixtures/keys.js'
import { openEvents } from './fixtures/sse-client.js'

const harness = useServerHarness()

describe('a human-in-the-loop run over HTTP', () => {
  it('starts, streams input_requested, takes the answer through a signed link, streams completion', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)

    const started = await call(url, 'POST', '/workflows/approval/runs', {
      input: { title: 'Roadmap' },
    })
    expect(started.status).toBe(201)
    const run = started.body as {
      runId: string
      status: string
      awaitingInput: { visit: number }[]
    }
    expect(run.status).toBe('waiting_for_input')

    const sse = await openEvents(url, run.runId)
    expect(sse.status).toBe(200)
    const requested = await sse.waitFor((m) => m.event === 'input_requested')
    expect(requested.data.data).toMatchObject({
      requestId: 'approve',
      payload: { title: 'Roadmap' },
    })
    expect(requested.id).toBe(String(requested.data.seq))

    const token = signAnswerToken(
      {
        runId: run.runId,
        requestId: 'approve',
        visit: run.awaitingInput[0]?.visit ?? 1,
        expiresAt: new Date(Date.now() + 60_000),
        subject: 'ana@example.com',
      },
      answerLinkSecret,
    )
    const shown = await call(url, 'GET', `/answer-link?token=${token}`, undefined, { key: null })
    expect(shown.status).toBe(200)
    expect(shown.body).toMatchObject({
      state: 'open',
      subject: 'ana@example.com',
      request: { requestId: 'approve', prompt: 'Publish "Roadmap"?', inputType: 'confirm' },
    })

    const answered = await call(
      url,
      'POST',
      `/runs/${run.runId}/input`,
      { answers: { approve: { approved: true, note: 'ship it' } } },
      { key: null, headers: { authorization: `AnswerToken ${token}` } },
    )
    expect(answered.status).toBe(200)
    // The link's holder learns how its request and the run ended; the output takes an API key.
    expect(answered.body).toMatchObject({ state: 'answered', runStatus: 'completed' })
    expect((await call(url, 'GET', `/runs/${run.runId}`)).body).toMatchObject({
      status: 'completed',
      output: { published: 'Roadmap', note: 'ship it' },
    })

    const received = await sse.waitFor((m) => m.event === 'input_received')
    expect(received.data.data).toMatchObject({ requestId: 'approve', by: 'ana@example.com' })
    await sse.waitFor((m) => m.event === 'run_completed')
    await sse.ended
    const seqs = sse.messages.map((m) => m.data.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))

    // The same answer again through the link is a no-op; a different one is refused.
    const again = await call(
      url,
      'POST',
      `/runs/${run.runId}/input?token=${token}`,
      { answers: { approve: { approved: true, note: 'ship it' } } },
      { key: null },
    )
    expect(again.status).toBe(200)
    const other = await call(
      url,
      'POST',
      `/runs/${run.runId}/input?token=${token}`,
      { answers: { approve: { approved: false, note: 'no' } } },
      { key: null },
    )
    expect(other.status).toBe(409)
    const after = await call(url, 'GET', `/answer-link?token=${token}`, undefined, { key: null })
    expect(after.body).toMatchObject({ state: 'answered', request: null, runStatus: 'completed' })

    // Reconnecting after the final event: 204, so that EventSource stops.
    const last = sse.messages.at(-1)?.id ?? ''
    const done = await openEvents(url, run.runId, { lastEventId: last })
    expect(done.status).toBe(204)
  })

  it('tells an answered link from a closed one without history', async () => {
    const { url } = await harness.server(harness.holdpoint({ history: false }))
    const linkOf = async (): Promise<{ runId: string; token: string }> => {
      const started = await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'T' } })
      const runId = (started.body as { runId: string }).runId
      const expiresAt = new Date(Date.now() + 60_000)
      const claims = { runId, requestId: 'approve', visit: 1, expiresAt }
      return { runId, token: signAnswerToken(claims, answerLinkSecret) }
    }
    const state = async (token: string): Promise<unknown> =>
      (await call(url, 'GET', `/answer-link?token=${token}`, undefined, { key: null })).body

    const answered = await linkOf()
    const body = { answers: { approve: { approved: true, note: 'ok' } } }
    await call(url, 'POST', `/runs/${answered.runId}/input?token=${answered.token}`, body, {
      key: null,
    })
    expect(await state(answered.token)).toMatchObject({ state: 'answered', runStatus: 'completed' })

    const cancelled = await linkOf()
    expect(await state(cancelled.token)).toMatchObject({ state: 'open' })
    expect((await call(url, 'POST', `/runs/${cancelled.runId}/cancel`, {})).status).toBe(200)
    expect(await state(cancelled.token)).toMatchObject({ state: 'closed', runStatus: 'cancelled' })
  })

  it('resumes the stream with Last-Event-ID across a server restart, losing and repeating nothing', async () => {
    const hp = harness.holdpoint()
    const first = await harness.server(hp, { heartbeatMs: 200 })
    const started = await call(first.url, 'POST', '/workflows/approval/runs', {
      input: { title: 'Loop' },
    })
    const runId = (started.body as { runId: string }).runId
    const sse = await openEvents(first.url, runId)
    await sse.waitFor((m) => m.event === 'run_waiting')
    await sse.waitFor(() => sse.comments.includes('heartbeat'))
    // A rejection loops back to review: more events while nobody listens.
    await first.close()
    await sse.ended
    const seen = sse.messages.map((m) => m.data.seq)
    const lastId = sse.messages.at(-1)?.id
    expect(lastId).toBe(String(seen.at(-1)))

    const hp2 = harness.holdpoint()
    const second = await harness.server(hp2)
    const rejected = await call(second.url, 'POST', `/runs/${runId}/input`, {
      answers: { approve: { approved: false, note: 'again' } },
    })
    expect(rejected.status).toBe(200)
    const resumed = await openEvents(second.url, runId, { lastEventId: lastId ?? '0' })
    await resumed.waitFor((m) => m.event === 'run_waiting' && m.data.seq > Number(lastId))
    const approved = await call(
      second.url,
      'POST',
      `/runs/${runId}/input`,
      { answers: { approve: { approved: true, note: 'ok' } } },
      { key: keys.answer },
    )
    expect(approved.status).toBe(200)
    await resumed.waitFor((m) => m.event === 'run_completed')
    await resumed.ended

    const all = [...seen, ...resumed.messages.map((m) => m.data.seq)]
    expect(all).toEqual(all.map((_, i) => i + 1))
    const history = await call(second.url, 'GET', `/runs/${runId}/events?follow=false`)
    expect((history.body as { events: unknown[] }).events).toHaveLength(all.length)
  })
})
