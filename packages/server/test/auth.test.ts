import { describe, expect, it } from 'vitest'
import {
  createAnswerLink,
  createApp,
  parseApiKeys,
  sha256Hex,
  signAnswerToken,
  verifyAnswerToken,
  type AnswerTokenClaims,
} from '../src/index.js'
import { ApiKeyring } from '../src/auth/api-keys.js'
import { call, codeOf } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { answerLinkSecret, keys } from './fixtures/keys.js'

const harness = useServerHarness()

const answer = { answers: { approve: { approved: true, note: 'ok' } } }

function claims(runId: string, extra: Partial<AnswerTokenClaims> = {}): AnswerTokenClaims {
  return {
    runId,
    requestId: 'approve',
    visit: 1,
    expiresAt: new Date(Date.now() + 60_000),
    ...extra,
  }
}

describe('API keys', () => {
  it('refuses a missing key, a wrong key and a missing scope; admin may do everything', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const started = await call(url, 'POST', '/workflows/approval/runs', {
      input: { title: 'Keys' },
    })
    const runId = (started.body as { runId: string }).runId

    const none = await call(url, 'GET', '/runs', undefined, { key: null })
    expect([none.status, codeOf(none)]).toEqual([401, 'UNAUTHORIZED'])
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const wrong = await call(url, 'GET', '/runs', undefined, { key: 'x'.repeat(26) })
    expect([wrong.status, codeOf(wrong)]).toEqual([401, 'UNAUTHORIZED'])
    const basic = await call(url, 'GET', '/runs', undefined, {
      headers: { authorization: `Basic ${keys.read}` },
    })
    expect(basic.status).toBe(401)

    // read: GET only; answer: input only; admin: everything.
    expect((await call(url, 'GET', `/runs/${runId}`, undefined, { key: keys.read })).status).toBe(
      200,
    )
    expect((await call(url, 'GET', '/workflows', undefined, { key: keys.read })).status).toBe(200)
    for (const [method, path, body] of [
      ['POST', '/workflows/approval/runs', { input: { title: 'x' } }],
      ['POST', `/runs/${runId}/input`, answer],
      ['POST', `/runs/${runId}/cancel`, {}],
    ] as const) {
      const refused = await call(url, method, path, body, { key: keys.read })
      expect([refused.status, codeOf(refused)], path).toEqual([403, 'FORBIDDEN'])
    }
    expect((await call(url, 'GET', `/runs/${runId}`, undefined, { key: keys.answer })).status).toBe(
      403,
    )
    expect(
      (await call(url, 'POST', `/runs/${runId}/cancel`, {}, { key: keys.answer })).status,
    ).toBe(403)
    const answered = await call(url, 'POST', `/runs/${runId}/input`, answer, { key: keys.answer })
    expect(answered.status).toBe(200)
    // Public: health and the OpenAPI document.
    expect((await call(url, 'GET', '/healthz', undefined, { key: null })).status).toBe(200)
    expect((await call(url, 'GET', '/openapi.json', undefined, { key: null })).status).toBe(200)
    // The principal is recorded as who answered.
    const history = await call(url, 'GET', `/runs/${runId}/events?follow=false`)
    const received = (
      history.body as { events: { type: string; data: { by?: string } }[] }
    ).events.find((e) => e.type === 'input_received')
    expect(received?.data.by).toBe('inbox')
  })

  it('checks key configuration and parses HOLDPOINT_API_KEYS', () => {
    expect(() => new ApiKeyring([{ name: 'a', key: 'short', scopes: ['read'] }])).toThrow(TypeError)
    expect(() => new ApiKeyring([{ name: 'a', key: 'k'.repeat(20), scopes: [] }])).toThrow(
      TypeError,
    )
    expect(
      () => new ApiKeyring([{ name: 'a', key: 'k'.repeat(20), scopes: ['root' as 'read'] }]),
    ).toThrow(TypeError)
    expect(
      () =>
        new ApiKeyring([
          { name: 'a', key: 'k'.repeat(20), scopes: ['read'] },
          { name: 'a', key: 'j'.repeat(20), scopes: ['read'] },
        ]),
    ).toThrow(/twice/)
    const ring = new ApiKeyring([
      { name: 'hashed', sha256: sha256Hex('s'.repeat(20)), scopes: ['answer'] },
    ])
    expect(ring.match('s'.repeat(20))?.name).toBe('hashed')
    expect(ring.match('s'.repeat(21))).toBeUndefined()
    expect(parseApiKeys('ci:admin:abc:def , ui:read+answer:xyz\n')).toEqual([
      { name: 'ci', scopes: ['admin'], key: 'abc:def' },
      { name: 'ui', scopes: ['read', 'answer'], key: 'xyz' },
    ])
    expect(() => parseApiKeys('ci:root:abc')).toThrow(/unknown scope/)
    expect(() => parseApiKeys('ci:admin:')).toThrow(/entry 1/)
    const hp = harness.holdpoint()
    expect(() => createApp(hp, { auth: { keys: [], answerLinkSecret: 'short' } })).toThrow(
      TypeError,
    )
  })
})

describe('answer tokens', () => {
  it('answer exactly their request, and are refused for anything else', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const start = async (): Promise<string> =>
      (
        (await call(url, 'POST', '/workflows/approval/runs', { input: { title: 'T' } })).body as {
          runId: string
        }
      ).runId
    const runId = await start()
    const otherRun = await start()
    const post = (token: string, body: unknown = answer, run = runId) =>
      call(url, 'POST', `/runs/${run}/input`, body, {
        key: null,
        headers: { authorization: `AnswerToken ${token}` },
      })

    const good = signAnswerToken(claims(runId), answerLinkSecret)
    const tampered = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA')
    const forged = signAnswerToken(claims(runId), 'another-secret-of-at-least-32-chars!!')
    const expired = signAnswerToken(
      claims(runId, { expiresAt: new Date(Date.now() - 1000) }),
      answerLinkSecret,
    )
    const [header, payload = '', signature] = good.split('.')
    const swapped = `${header}.${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), r: otherRun }),
    ).toString('base64url')}.${signature}`

    for (const [token, code] of [
      [tampered, 'INVALID_TOKEN'],
      [forged, 'INVALID_TOKEN'],
      [swapped, 'INVALID_TOKEN'],
      ['garbage', 'INVALID_TOKEN'],
      [expired, 'TOKEN_EXPIRED'],
    ] as const) {
      const refused = await post(token)
      expect([refused.status, codeOf(refused)], token).toEqual([401, code])
      const shown = await call(
        url,
        'GET',
        `/answer-link?token=${encodeURIComponent(token)}`,
        undefined,
        { key: null },
      )
      expect(shown.status).toBe(401)
    }
    const otherRunRefused = await post(good, answer, otherRun)
    expect([otherRunRefused.status, codeOf(otherRunRefused)]).toEqual([403, 'FORBIDDEN'])
    const otherRequest = await post(
      signAnswerToken(claims(runId, { requestId: 'other' }), answerLinkSecret),
    )
    expect(otherRequest.status).toBe(403)
    expect(
      (await post(good, { answers: { approve: answer.answers.approve, other: 1 } })).status,
    ).toBe(403)
    expect((await post(good, { answers: answer.answers, visits: { approve: 2 } })).status).toBe(403)
    // A token is no API key.
    expect(
      (
        await call(url, 'GET', `/runs/${runId}`, undefined, {
          key: null,
          headers: { authorization: `AnswerToken ${good}` },
        })
      ).status,
    ).toBe(403)
    expect(
      (await call(url, 'GET', `/runs/${runId}?token=${good}`, undefined, { key: null })).status,
    ).toBe(403)
    expect((await call(url, 'GET', '/answer-link', undefined, { key: null })).status).toBe(401)

    // Nothing refused was stored; the good token answers.
    const state = await call(url, 'GET', `/runs/${runId}`)
    expect(state.body).toMatchObject({ status: 'waiting_for_input' })
    const link = createAnswerLink(
      'https://app.example.com/answer?lang=en',
      claims(runId),
      answerLinkSecret,
    )
    const fromLink = new URL(link).searchParams.get('token') ?? ''
    expect(new URL(link).searchParams.get('lang')).toBe('en')
    expect((await post(fromLink)).body).toMatchObject({ state: 'answered', runStatus: 'completed' })
    // Another visit of a loop is another request: a token for visit 1 cannot answer visit 2.
    const loopRun = await start()
    const visit1 = signAnswerToken(claims(loopRun), answerLinkSecret)
    expect(
      (await post(visit1, { answers: { approve: { approved: false, note: 'redo' } } }, loopRun))
        .status,
    ).toBe(200)
    const reuse = await post(visit1, answer, loopRun)
    expect([reuse.status, codeOf(reuse)]).toEqual([409, 'ALREADY_ANSWERED'])
  })

  it('show their holder what GET /answer-link shows, not the run, also when the answer is sent again', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const started = await call(url, 'POST', '/workflows/approval/runs', {
      input: { title: 'Private title' },
    })
    const runId = (started.body as { runId: string }).runId
    const token = signAnswerToken(claims(runId, { subject: 'ana@example.com' }), answerLinkSecret)
    const mine = { answers: { approve: { approved: false, note: 'redo it' } } }
    const post = () =>
      call(url, 'POST', `/runs/${runId}/input`, mine, {
        key: null,
        headers: { authorization: `AnswerToken ${token}` },
      })
    const shown = async (): Promise<unknown> =>
      (await call(url, 'GET', `/answer-link?token=${token}`, undefined, { key: null })).body

    // The rejection loops back to review: visit 2 asks again, and the token is for visit 1.
    const answered = await post()
    expect(answered.status).toBe(200)
    expect(answered.body).toEqual(await shown())
    expect(answered.body).toMatchObject({
      runId,
      requestId: 'approve',
      visit: 1,
      state: 'answered',
      request: null,
      runStatus: 'waiting_for_input',
    })
    expect(JSON.stringify(answered.body)).not.toContain('Private title')

    // Someone else answers visit 2 with an API key, and sees the run.
    const other = { answers: { approve: { approved: true, note: 'the other answer' } } }
    const theirs = await call(url, 'POST', `/runs/${runId}/input`, other, { key: keys.answer })
    expect(theirs.body).toMatchObject({
      status: 'completed',
      input: { title: 'Private title' },
      output: { note: 'the other answer' },
    })

    // Sending the same answer again is a no-op, and reads nothing the link did not show.
    const replayed = await post()
    expect(replayed.status).toBe(200)
    expect(replayed.body).toEqual(await shown())
    expect(replayed.body).toMatchObject({ state: 'answered', runStatus: 'completed' })
    expect(JSON.stringify(replayed.body)).not.toContain('the other answer')
    expect(JSON.stringify(replayed.body)).not.toContain('Private title')
  })

  it('verify only as signed, not with another encoding of the same signature', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp)
    const good = signAnswerToken(claims('r'), answerLinkSecret)
    expect(verifyAnswerToken(good, [answerLinkSecret]).ok).toBe(true)
    // 32 bytes take 43 base64url characters: the low 2 bits of the last one carry nothing.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(good.at(-1) ?? '')
    for (const flip of [1, 2, 3]) {
      const reencoded = good.slice(0, -1) + alphabet.charAt(last ^ flip)
      expect(Buffer.from(reencoded.split('.')[2] ?? '', 'base64url')).toEqual(
        Buffer.from(good.split('.')[2] ?? '', 'base64url'),
      )
      expect(verifyAnswerToken(reencoded, [answerLinkSecret])).toEqual({
        ok: false,
        reason: 'bad-signature',
      })
      const shown = await call(url, 'GET', `/answer-link?token=${reencoded}`, undefined, {
        key: null,
      })
      expect([shown.status, codeOf(shown)]).toEqual([401, 'INVALID_TOKEN'])
    }
  })

  it('are refused by a server without a secret, and verify only within their lifetime', async () => {
    const hp = harness.holdpoint()
    const { url } = await harness.server(hp, { auth: { keys: [] } })
    const token = signAnswerToken(claims('r'), answerLinkSecret)
    const refused = await call(url, 'GET', `/answer-link?token=${token}`, undefined, { key: null })
    expect([refused.status, codeOf(refused)]).toEqual([401, 'INVALID_TOKEN'])
    expect(verifyAnswerToken(token, [answerLinkSecret]).ok).toBe(true)
    expect(verifyAnswerToken(token, ['x'.repeat(32), answerLinkSecret]).ok).toBe(true)
    expect(verifyAnswerToken(token, [answerLinkSecret], new Date(Date.now() + 120_000))).toEqual({
      ok: false,
      reason: 'expired',
    })
    expect(() => signAnswerToken(claims('r'), 'short')).toThrow(TypeError)
  })
})
