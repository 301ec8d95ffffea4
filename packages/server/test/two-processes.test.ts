import { afterAll, describe, expect, it } from 'vitest'
import { spawnScript, type Child } from '../../../test/fixtures/child.js'
import { call } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { keys } from './fixtures/keys.js'
import { openEvents } from './fixtures/sse-client.js'

const harness = useServerHarness()
const children: Child[] = []
afterAll(() => {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL')
})

async function startServer(): Promise<{ child: Child; url: string; pid: number }> {
  const child = spawnScript('packages/server/test/fixtures/server-process.ts', [
    harness.database().url,
  ])
  children.push(child)
  const { url, pid } = await child.next<{ url: string; pid: number }>('listening')
  return { child, url, pid }
}

describe('two server processes behind one database', () => {
  it('answer through one, see the events on the other, then shut down gracefully', async () => {
    const [a, b] = await Promise.all([startServer(), startServer()])
    expect(a.pid).not.toBe(b.pid)

    for (const [writer, watcher] of [
      [a, b],
      [b, a],
    ] as const) {
      const started = await call(writer.url, 'POST', '/workflows/approval/runs', {
        input: { title: `from ${writer.pid}` },
      })
      const runId = (started.body as { runId: string }).runId
      const sse = await openEvents(watcher.url, runId)
      await sse.waitFor((m) => m.event === 'run_waiting')
      const answered = await call(
        writer.url,
        'POST',
        `/runs/${runId}/input`,
        { answers: { approve: { approved: true, note: 'ok' } } },
        { key: keys.answer },
      )
      expect(answered.body).toMatchObject({ status: 'completed' })
      const received = await sse.waitFor((m) => m.event === 'input_received')
      expect(received.data.data).toMatchObject({ by: 'inbox' })
      await sse.waitFor((m) => m.event === 'run_completed')
      await sse.ended
      expect(sse.messages.map((m) => m.data.seq)).toEqual(sse.messages.map((_, i) => i + 1))
    }

    // SIGTERM with a stream open: the stream ends, the process closes and exits 0.
    const started = await call(a.url, 'POST', '/workflows/approval/runs', {
      input: { title: 'open' },
    })
    const open = await openEvents(a.url, (started.body as { runId: string }).runId)
    await open.waitFor((m) => m.event === 'run_waiting')
    a.child.process.kill('SIGTERM')
    await open.ended
    await a.child.next('closed')
    expect(await a.child.exited).toBe(0)
    // The other process carries on.
    expect((await call(b.url, 'GET', '/healthz', undefined, { key: null })).status).toBe(200)
  })
})
