import { sql } from 'kysely'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  createHoldpoint,
  HistoryDisabledError,
  HoldpointError,
  type RunEvent,
  type Store,
} from '../src/index.js'
import type { SqlStore } from '../src/postgres.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = []
  for await (const event of events) all.push(event)
  return all
}

/** The rows `holdpoint.history` holds for a run, read with SQL. */
async function historyRows(store: Store, runId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM holdpoint.history WHERE run_id = ${runId}`.execute(
    (store as SqlStore).db,
  )
  return rows[0]?.n ?? -1
}

const answer = { approved: true, note: 'ok' }
const published = (topic: string) => ({
  status: 'approved',
  draft: `Draft for ${topic}`,
  note: 'ok',
})

describe.each(storeKinds)('createHoldpoint({ history: false }) (%s)', (kind) => {
  const stores = useStores()
  const other = kind === 'postgres' ? 'pglite' : 'postgres'
  beforeEach(resetCounts)

  it('runs an approval to its end and writes no history row for it', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store, history: false })
    const engine = await hp.start('approval', { topic: 'quiet' })
    await engine.run()
    expect(engine.executionState).toMatchObject({
      status: 'waiting_for_input',
      awaitingInput: [{ requestId: 'approve', nodeId: 'review' }],
    })
    // The pause is durable without history: another Holdpoint finds it and finishes the run.
    const again = await createHoldpoint({ workflows: [approval], store, history: false }).load(
      engine.runId,
    )
    expect(again).not.toBe(engine)
    await again.run({ approve: answer }, { by: 'alice@example.com' })
    expect(again.executionState.status).toBe('completed')
    expect(again.executionState.output).toEqual(published('quiet'))
    expect(counts).toMatchObject({ draft: 1, notify: 1, publish: 1 })
    expect(await historyRows(store, engine.runId)).toBe(0)

    // The same run with history on does write rows: the query above can see them.
    const loud = createHoldpoint({ workflows: [approval], store })
    const control = await loud.start('approval', { topic: 'loud' })
    await control.run()
    await control.run({ approve: answer })
    expect(control.executionState.output).toEqual(published('loud'))
    expect(await historyRows(store, control.runId)).toBeGreaterThan(0)
  })

  it('keeps the run, its answered request and its steps', async () => {
    const hp = createHoldpoint({
      workflows: [approval],
      store: await stores.open(kind),
      history: false,
    })
    const engine = await hp.start('approval', { topic: 'kept' })
    await engine.run()
    await engine.run({ approve: answer }, { by: 'bob' })
    const doc = await engine.export()
    expect(doc.run).toMatchObject({ status: 'completed', output: published('kept') })
    expect(doc.requests).toMatchObject([
      { requestId: 'approve', status: 'answered', answer, answeredAt: expect.any(String) },
    ])
    expect(doc.steps).toMatchObject([
      { nodeId: 'review', key: 'notify', result: { notified: true } },
    ])
    expect(doc.history).toEqual([])
    expect(JSON.stringify(doc)).not.toContain('bob') // who answered is history: not kept
  })

  it('refuses to read or fork history with HISTORY_DISABLED', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store, history: false })
    const engine = await hp.start('approval', { topic: 'unread' })
    await engine.run()
    const refusals = [
      collect(engine.events()),
      collect(engine.events({ follow: true })),
      collect(hp.events(engine.runId)),
      collect(hp.events(engine.runId, { follow: true })),
      hp.fork(engine.runId),
      hp.fork(engine.runId, { at: 1 }),
    ]
    for (const refusal of refusals) {
      const error = await refusal.then(
        () => 'no error',
        (e: unknown) => e,
      )
      expect(HoldpointError.is(error, 'HISTORY_DISABLED')).toBe(true)
      expect(error).toBeInstanceOf(HistoryDisabledError)
      expect((error as Error).message).toBe(
        "History is switched off in this process (createHoldpoint({ history: false })); turn it on to read or fork a run's history.",
      )
    }
    // The fork was refused before it wrote anything; the run itself did not move.
    expect(await hp.list({ workflow: 'approval', limit: 1000 })).not.toContainEqual(
      expect.objectContaining({ status: 'running', currentNodes: ['review'] }),
    )
    expect((await hp.load(engine.runId)).executionState.status).toBe('waiting_for_input')
    // A process with history on reads the same run: nothing was written, and that is no error.
    const reader = createHoldpoint({ workflows: [approval], store })
    expect(await collect(reader.events(engine.runId))).toEqual([])
  })

  it('exports a run written without history, and the export imports elsewhere', async () => {
    const hp = createHoldpoint({
      workflows: [approval],
      store: await stores.open(kind),
      history: false,
    })
    const engine = await hp.start('approval', { topic: 'moved' })
    await engine.run()
    const doc = JSON.parse(JSON.stringify(await engine.export())) as unknown
    expect(doc).toMatchObject({ format: 'holdpoint.run', history: [] })

    const target = createHoldpoint({ workflows: [approval], store: await stores.open(other) })
    const imported = await target.import(doc)
    expect(imported.executionState).toMatchObject({
      runId: engine.runId,
      status: 'waiting_for_input',
      awaitingInput: [{ requestId: 'approve' }],
    })
    await imported.run({ approve: answer })
    expect(imported.executionState.output).toEqual(published('moved'))
    expect(counts.notify).toBe(1) // the step result travelled with the run
  })

  it('rejects a history option that is not a boolean', async () => {
    const store = await stores.open(kind)
    for (const history of ['false', 'off', 0, 1, null, {}]) {
      const error = (() => {
        try {
          createHoldpoint({ workflows: [approval], store, history: history as boolean })
          return 'no error'
        } catch (e) {
          return e
        }
      })()
      expect(HoldpointError.is(error, 'INVALID_DEFINITION'), String(history)).toBe(true)
      expect((error as Error).message).toContain('history must be true or false')
    }
    for (const history of [true, false, undefined]) {
      expect(() => createHoldpoint({ workflows: [approval], store, history })).not.toThrow()
    }
  })

  it('finishes a run started with history on; the rows written before stay', async () => {
    const store = await stores.open(kind)
    const on = createHoldpoint({ workflows: [approval], store })
    const engine = await on.start('approval', { topic: 'switched' })
    await engine.run()
    const before = await collect(engine.events())
    expect(before.map((e) => e.type)).toEqual([
      'run_started',
      'node_started',
      'node_completed',
      'node_started',
      'input_requested',
      'run_waiting',
    ])
    const rowsBefore = await historyRows(store, engine.runId)
    expect(rowsBefore).toBeGreaterThan(0)

    const off = createHoldpoint({ workflows: [approval], store, history: false })
    const resumed = await off.load(engine.runId)
    await resumed.run({ approve: answer })
    expect(resumed.executionState.status).toBe('completed')
    expect(resumed.executionState.output).toEqual(published('switched'))
    expect(counts).toMatchObject({ draft: 1, reviewBefore: 2, notify: 1, publish: 1 })

    expect(await historyRows(store, engine.runId)).toBe(rowsBefore)
    expect(await collect(on.events(engine.runId))).toEqual(before)
    expect((await on.load(engine.runId)).executionState.status).toBe('completed')
  })

  it('a run started with history off and finished with it on has only the later events', async () => {
    const store = await stores.open(kind)
    const off = createHoldpoint({ workflows: [approval], store, history: false })
    const engine = await off.start('approval', { topic: 'late' })
    await engine.run()

    const on = createHoldpoint({ workflows: [approval], store })
    const resumed = await on.load(engine.runId)
    await resumed.run({ approve: answer }, { by: 'carol' })
    expect(resumed.executionState.output).toEqual(published('late'))
    const events = await collect(on.events(engine.runId))
    expect(events.map((e) => e.type)).toEqual([
      'input_received',
      'node_completed',
      'node_started',
      'node_completed',
      'run_completed',
    ])
    expect(events[0]?.data).toMatchObject({ requestId: 'approve', answer, by: 'carol' })
    // Numbered after the six events the history-off process numbered but did not store.
    expect(events.map((e) => e.seq)).toEqual([7, 8, 9, 10, 11])
    // What the run was before its stored history begins cannot be rebuilt: forks refuse.
    const fork = await on.fork(engine.runId, { at: 9 }).catch((e: unknown) => e)
    expect(HoldpointError.is(fork, 'INVALID_FORK_POINT')).toBe(true)
  })

  it('a follower elsewhere sees a run a process with history off finishes, and stops', async () => {
    const store = await stores.open(kind)
    const on = createHoldpoint({ workflows: [approval], store })
    const engine = await on.start('approval', { topic: 'followed' })
    await engine.run()
    const controller = new AbortController()
    const followed = collect(on.events(engine.runId, { follow: true, signal: controller.signal }))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const off = createHoldpoint({ workflows: [approval], store, history: false })
    await (await off.load(engine.runId)).run({ approve: answer })
    // Well before the idle re-read (30 s).
    const timeout = new Promise<'still following'>((resolve) =>
      setTimeout(() => resolve('still following'), 5000),
    )
    const outcome = await Promise.race([followed, timeout])
    controller.abort()
    expect(outcome).not.toBe('still following')
    expect((outcome as RunEvent[]).map((e) => e.type).at(-1)).toBe('run_waiting')
  })

  it('refuses a fork past events a process with history off left out', async () => {
    const store = await stores.open(kind)
    const on = createHoldpoint({ workflows: [approval], store })
    const off = createHoldpoint({ workflows: [approval], store, history: false })
    const engine = await on.start('approval', { topic: 'gap' }, { background: true })
    await (await off.load(engine.runId)).run()
    const resumed = await on.load(engine.runId)
    await resumed.run({ approve: answer })
    const events = await collect(on.events(engine.runId))
    const publish = events.find((e) => e.type === 'node_started' && e.data.node === 'publish')
    const error = await on.fork(engine.runId, { at: publish?.seq ?? 0 }).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'INVALID_FORK_POINT')).toBe(true)
    // Before the gap, a fork still starts where it should.
    const early = await on.fork(engine.runId, { at: 2 })
    expect(early.executionState.currentNodes).toEqual(['draft'])
  })
})
