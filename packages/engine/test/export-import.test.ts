import { beforeEach, describe, expect, it } from 'vitest'
import { createHoldpoint, HoldpointError, type RunEvent, type RunExport } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval, counts, resetCounts } from './fixtures/approval.js'

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = []
  for await (const event of events) all.push(event)
  return all
}

describe.each(storeKinds)('export and import (%s → the other store)', (kind) => {
  const stores = useStores()
  const other = kind === 'postgres' ? 'pglite' : 'postgres'
  beforeEach(resetCounts)

  it('moves a waiting run to another store as JSON; it resumes there without re-running effects', async () => {
    const source = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await source.start('approval', { topic: 'travel' })
    await engine.run()
    const doc = JSON.parse(JSON.stringify(await engine.export())) as RunExport
    expect(doc).toMatchObject({ format: 'holdpoint.run', version: 1, run: { id: engine.runId } })
    expect(doc.steps).toMatchObject([
      { nodeId: 'review', key: 'notify', result: { notified: true } },
    ])

    const target = createHoldpoint({ workflows: [approval], store: await stores.open(other) })
    const imported = await target.import(doc)
    expect(imported.executionState).toMatchObject({
      runId: engine.runId,
      status: 'waiting_for_input',
      state: { draft: 'Draft for travel' },
    })
    expect(imported.executionState.awaitingInput).toMatchObject([{ requestId: 'approve' }])
    await imported.run({ approve: { approved: true, note: 'ok' } })
    expect(imported.executionState.output).toMatchObject({ status: 'approved' })
    expect(counts.notify).toBe(1) // the step result travelled with the run
    const events = await collect(imported.events())
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.slice(0, 6)).toEqual(
      (await collect(engine.events())).map((e) => ({ ...e, runId: engine.runId })),
    )

    // Importing the same run twice is refused and changes nothing.
    const again = await target.import(doc).catch((e: unknown) => e)
    expect(HoldpointError.is(again, 'RUN_EXISTS')).toBe(true)
    expect((await target.load(engine.runId)).executionState.status).toBe('completed')
  })

  it('moves a run whose history has a gap, left by a process with history off', async () => {
    const store = await stores.open(kind)
    const quiet = createHoldpoint({ workflows: [approval], store, history: false })
    const engine = await quiet.start('approval', { topic: 'gap' })
    await engine.run()
    const loud = await createHoldpoint({ workflows: [approval], store }).load(engine.runId)
    await loud.run({ approve: { approved: true, note: 'ok' } })
    const doc = JSON.parse(JSON.stringify(await loud.export())) as RunExport
    expect(doc.history[0]?.seq).toBeGreaterThan(1)

    const target = createHoldpoint({ workflows: [approval], store: await stores.fresh(other) })
    const imported = await target.import(doc)
    expect(imported.executionState).toMatchObject({ status: 'completed', output: { note: 'ok' } })
    expect(await collect(imported.events())).toEqual(await collect(loud.events()))
  })

  it('refuses documents of other versions and malformed ones, writing nothing', async () => {
    const source = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await source.start('approval', { topic: 'bad docs' })
    await engine.run()
    const doc = await engine.export()
    const target = createHoldpoint({ workflows: [approval], store: await stores.fresh(other) })
    const broken: unknown[] = [
      null,
      'text',
      { ...doc, version: 2 },
      { ...doc, format: 'other' },
      { ...doc, run: { ...doc.run, id: 'not-a-uuid' } },
      { ...doc, run: { ...doc.run, status: 'sleeping' } },
      { ...doc, history: [...doc.history].reverse() },
      { ...doc, history: [doc.history[0], ...doc.history] },
      { ...doc, extra: true },
    ]
    for (const bad of broken) {
      const error = await target.import(bad).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_EXPORT')).toBe(true)
    }
    const unregistered = createHoldpoint({ workflows: [], store: await stores.fresh(other) })
    const error = await unregistered.import(doc).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'WORKFLOW_NOT_FOUND')).toBe(true)
    expect((await target.list({ limit: 1000 })).map((r) => r.runId)).not.toContain(doc.run.id)
  })
})
