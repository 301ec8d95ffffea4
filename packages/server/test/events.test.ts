import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createApp } from '../src/index.js'
import { useServerHarness } from './fixtures/harness.js'
import { apiKeys, keys } from './fixtures/keys.js'

const harness = useServerHarness()

describe('event streams', () => {
  it("hold nothing on the app's signal for a HEAD, or once a stream is read and cancelled", async () => {
    const hp = harness.holdpoint()
    const engine = await hp.start('approval', { title: 'Head' })
    await engine.run()
    const shutdown = new AbortController()
    const app = createApp(hp, { auth: { keys: apiKeys }, logger: false, signal: shutdown.signal })
    const headers = { authorization: `Bearer ${keys.read}` }
    const path = `/runs/${engine.runId}/events`

    // Hono answers HEAD with the GET handler and drops the body unread.
    for (let i = 0; i < 3; i++) {
      const head = await app.request(path, { method: 'HEAD', headers })
      expect(head.status).toBe(200)
      expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/)
    }
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)

    const stream = await app.request(path, { headers })
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toContain(': holdpoint run events')
    const second = new TextDecoder().decode((await reader.read()).value)
    expect(second).toContain('event: run_started')
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1)
    await reader.cancel()
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)
  })

  it('end at once when first read after the app shut down', async () => {
    const hp = harness.holdpoint()
    const engine = await hp.start('approval', { title: 'Shutdown' })
    await engine.run()
    const shutdown = new AbortController()
    const app = createApp(hp, { auth: { keys: apiKeys }, logger: false, signal: shutdown.signal })
    const stream = await app.request(`/runs/${engine.runId}/events`, {
      headers: { authorization: `Bearer ${keys.read}` },
    })
    shutdown.abort()
    // Opened after the signal fired: it must end rather than follow the run until it completes.
    expect(await stream.text()).toContain(': holdpoint run events')
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)
  })
})
