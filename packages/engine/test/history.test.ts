import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, HoldpointError, type RunEvent } from '../src/index.js'
import type { SqlStore } from '../src/postgres.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, resetCounts } from './fixtures/approval.js'
import { parallel } from './fixtures/parallel.js'

async function history(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = []
  for await (const event of events) all.push(event)
  return all
}

const picker = defineWorkflow({
  id: 'picker',
  version: 1,
  start: 'pick',
  nodes: {
    pick: async ({ requestInput }) =>
      requestInput({
        id: 'colour',
        prompt: 'Pick one',
        inputType: 'select',
        options: ['red', 'blue'],
        schema: z.enum(['red', 'blue']),
        payload: { swatches: { red: '#f00', blue: '#00f' } },
        timeoutMs: 60_000,
      }),
  },
})

describe.each(storeKinds)('run history (%s)', (kind) => {
  const stores = useStores()
  beforeEach(resetCounts)

  it('records every step of a run, typed, numbered without gaps, with who answered', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'history' })
    await engine.run()
    await engine.run({ approve: { approved: true, note: 'ok' } }, { by: 'alice@example.com' })
    const events = await history(engine.events())
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'run_started'],
      [2, 'node_started'],
      [3, 'node_completed'],
      [4, 'node_started'],
      [5, 'input_requested'],
      [6, 'run_waiting'],
      [7, 'input_received'],
      [8, 'node_completed'],
      [9, 'node_started'],
      [10, 'node_completed'],
      [11, 'run_completed'],
    ])
    expect(events.every((e) => e.runId === engine.runId && e.at instanceof Date)).toBe(true)
    expect(events[0]?.data).toEqual({ workflow: 'approval', version: 1, state: { draft: '' } })
    expect(events[1]?.data).toEqual({ node: 'draft', visit: 1 })
    expect(events[2]?.data).toEqual({
      node: 'draft',
      visit: 1,
      durationMs: expect.any(Number),
      owner: hp.owner,
      state: { draft: 'Draft for history' },
    })
    expect(events[4]?.data).toMatchObject({
      node: 'review',
      visit: 1,
      requestId: 'approve',
      prompt: 'Approve?\nDraft for history',
      inputType: 'text',
      options: null,
      payload: null,
      expiresAt: null,
      schema: expect.objectContaining({ type: 'object' }),
    })
    expect(events[5]?.data).toEqual({ requestIds: ['approve'] })
    expect(events[6]?.data).toEqual({
      node: 'review',
      visit: 1,
      requestId: 'approve',
      answer: { approved: true, note: 'ok' },
      by: 'alice@example.com',
    })
    // The node's output is kept (a fork needs it); the unchanged state is not repeated.
    expect(events[7]?.data).toMatchObject({
      node: 'review',
      output: { approved: true, note: 'ok' },
    })
    expect(events[7]?.data).not.toHaveProperty('state')
    const output = { status: 'approved', draft: 'Draft for history', note: 'ok' }
    expect(events[10]?.data).toEqual({ output })
    expect(engine.executionState.output).toEqual(output)
  })

  it('replays from any sequence number, also from the middle of one checkpoint', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'after' })
    await engine.run()
    const seqs = async (after: number) =>
      (await history(engine.events({ after }))).map((e) => e.seq)
    expect(await seqs(0)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await seqs(4)).toEqual([5, 6])
    expect(await seqs(6)).toEqual([])
    expect(await seqs(99)).toEqual([])
    expect(await seqs(Number.MAX_SAFE_INTEGER)).toEqual([])
    for (const after of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
      const error = await history(engine.events({ after })).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_ARGUMENT')).toBe(true)
    }
  })

  it('reads a long history from any sequence number, across blocks of 64', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await hp.start('approval', { topic: 'long' })
    await engine.run()
    for (let i = 0; i < 24; i++) await engine.run({ approve: { approved: false, note: `${i}` } })
    const all = (await history(engine.events())).map((e) => e.seq)
    const last = all.length
    expect(last).toBeGreaterThan(150)
    expect(all).toEqual(Array.from({ length: last }, (_, i) => i + 1))
    for (const after of [1, 62, 63, 64, 65, 100, 127, 128, 129, last - 1, last]) {
      const tail = (await history(engine.events({ after }))).map((e) => e.seq)
      expect(tail, `after ${after}`).toEqual(all.filter((seq) => seq > after))
    }
  })

  it('stores one history row per checkpoint, not one per event', async () => {
    const store = (await stores.open(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'rows' })
    await engine.run()
    await engine.run({ approve: { approved: true, note: 'ok' } })
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM holdpoint.history WHERE run_id = ${engine.runId}`.execute(
      store.db,
    )
    const events = await history(engine.events())
    expect(events).toHaveLength(11)
    // Start, draft, review and publish; the pause's and the answer's events are kept by the
    // request's row.
    expect(rows[0]?.n).toBe(4)
  })

  it('keeps each checkpoint’s events as the compact JSON array the engine wrote', async () => {
    const store = (await stores.open(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'text' })
    await engine.run()
    await engine.run({ approve: { approved: true, note: 'as written' } })
    const { rows } = await sql<{ text: string }>`
      SELECT events::text AS text FROM holdpoint.history WHERE run_id = ${engine.runId}
      ORDER BY last_seq`.execute(store.db)
    expect(rows.length).toBeGreaterThan(0)
    for (const { text } of rows) {
      // An array of [type, data] pairs, not a string holding one, and not re-spaced as jsonb is.
      const events = JSON.parse(text) as unknown
      expect(Array.isArray(events), text).toBe(true)
      expect(text).toBe(JSON.stringify(events))
    }
    const published = rows.map((r) => r.text).find((t) => t.includes('"publish"'))
    expect(published).toContain('"note":"as written"')
  })

  it('numbers the events request rows keep among the others: several requests, answered apart', async () => {
    const hp = createHoldpoint({ workflows: [parallel], store: await stores.open(kind) })
    const engine = await hp.start('parallel', undefined)
    await engine.run()
    await engine.run({ b: 2 }, { by: 'bo' })
    await engine.run({ a: 1 })
    const events = await history(engine.events())
    expect(events.map((e) => [e.seq, e.type, e.data])).toEqual([
      [1, 'run_started', { workflow: 'parallel', version: 1 }],
      [2, 'node_started', { node: 'ask', visit: 1 }],
      [3, 'input_requested', expect.objectContaining({ requestId: 'a', node: 'ask', visit: 1 })],
      [4, 'input_requested', expect.objectContaining({ requestId: 'b', node: 'ask', visit: 1 })],
      [5, 'run_waiting', { requestIds: ['a', 'b'] }],
      [6, 'input_received', { requestId: 'b', node: 'ask', visit: 1, by: 'bo', answer: 2 }],
      [7, 'input_received', { requestId: 'a', node: 'ask', visit: 1, answer: 1 }],
      [8, 'node_completed', expect.objectContaining({ node: 'ask', output: { a: 1, b: 2 } })],
      [9, 'run_completed', { output: { a: 1, b: 2 } }],
    ])
    // The same events from any point, and in an export.
    for (const after of [2, 4, 5, 6]) {
      const tail = await history(engine.events({ after }))
      expect(tail).toEqual(events.filter((e) => e.seq > after))
    }
    const exported = (await engine.export()).history
    expect(exported.map((e) => [e.seq, e.type])).toEqual(events.map((e) => [e.seq, e.type]))
  })

  it('publishes a request fully: prompt, options, schema, payload and deadline', async () => {
    const hp = createHoldpoint({ workflows: [picker], store: await stores.open(kind) })
    const engine = await hp.start('picker', undefined)
    await engine.run()
    const [awaiting] = engine.executionState.awaitingInput
    expect(awaiting?.payload).toEqual({ swatches: { red: '#f00', blue: '#00f' } })
    const requested = (await history(engine.events())).find((e) => e.type === 'input_requested')
    expect(requested?.data).toEqual({
      node: 'pick',
      visit: 1,
      requestId: 'colour',
      prompt: 'Pick one',
      inputType: 'select',
      options: ['red', 'blue'],
      schema: expect.objectContaining({ enum: ['red', 'blue'] }),
      payload: { swatches: { red: '#f00', blue: '#00f' } },
      expiresAt: awaiting?.expiresAt?.toISOString(),
    })
  })

  it('refuses a bad `by` before storing anything', async () => {
    const hp = createHoldpoint({ workflows: [picker], store: await stores.open(kind) })
    const engine = await hp.start('picker', undefined)
    await engine.run()
    for (const by of ['', 'x'.repeat(257), 42, 'nul\u0000']) {
      const error = await engine
        .run({ colour: 'red' }, { by: by as string })
        .catch((e: unknown) => e)
      expect(HoldpointError.is(error)).toBe(true)
    }
    const reloaded = await hp.load(engine.runId)
    expect(reloaded.executionState.status).toBe('waiting_for_input')
    expect((await history(reloaded.events())).map((e) => e.type)).not.toContain('input_received')
    await reloaded.run({ colour: 'blue' }, { by: 'bob' })
    expect(reloaded.executionState.output).toBe('blue')
  })
})
