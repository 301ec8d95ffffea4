import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow, type RunEvent } from '../src/index.js'
import type { SqlStore } from '../src/postgres.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

const approvalSchema = {
  type: 'object',
  properties: { approved: { type: 'boolean' }, note: { type: 'string' } },
  required: ['approved', 'note'],
}

/** Asks with a schema only when told to, and with another schema than approval's. */
const question = defineWorkflow({
  id: 'question',
  version: 1,
  input: z.object({ typed: z.boolean() }),
  start: 'ask',
  nodes: {
    ask: async ({ input, requestInput }) =>
      input.typed
        ? requestInput({ id: 'size', inputType: 'number', schema: z.number().int() })
        : requestInput({ id: 'size', prompt: 'Any size' }),
  },
})

async function schemaRows(store: SqlStore): Promise<number> {
  await store.ready()
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM holdpoint.schemas`.execute(store.db)
  return rows[0]?.n ?? -1
}

describe.each(storeKinds)('request schemas (%s)', (kind) => {
  const stores = useStores()

  it('stores a schema once for every run that asks with it, and gives it back everywhere', async () => {
    const store = (await stores.fresh(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [approval], store })
    const before = await schemaRows(store)
    const ids: string[] = []
    for (const topic of ['a', 'b', 'c']) {
      const engine = await hp.start('approval', { topic })
      await engine.run()
      ids.push(engine.runId)
    }
    expect(await schemaRows(store)).toBe(before + 1)
    const { rows } = await sql<{ spec: object }>`
      SELECT spec FROM holdpoint.requests WHERE run_id = ANY(${ids}::uuid[])`.execute(store.db)
    expect(rows.map((r) => Object.keys(r.spec).sort())).toEqual([
      ['inputType', 'prompt'],
      ['inputType', 'prompt'],
      ['inputType', 'prompt'],
    ])

    // Another process reads the request whole: loaded, listed, in history and exported.
    const other = createHoldpoint({ workflows: [approval], store })
    const loaded = await other.load(ids[0] as string)
    expect(loaded.executionState.awaitingInput[0]?.schema).toEqual(approvalSchema)
    const listed = await other.list({ status: 'waiting_for_input' })
    expect(listed.map((r) => r.awaitingInput[0]?.schema)).toEqual([
      approvalSchema,
      approvalSchema,
      approvalSchema,
    ])
    const events: RunEvent[] = []
    for await (const event of loaded.events()) events.push(event)
    const requested = events.find((e) => e.type === 'input_requested')
    expect(requested?.data).toMatchObject({ requestId: 'approve', schema: approvalSchema })
    const doc = await loaded.export()
    expect(doc.requests[0]?.spec.schema).toEqual(approvalSchema)

    // An answer, a cancel and a completion leave the shared schema in place.
    await loaded.run({ approve: { approved: true, note: 'ok' } })
    await (await other.load(ids[1] as string)).cancel()
    expect(await schemaRows(store)).toBe(before + 1)
    const third = await other.load(ids[2] as string)
    expect(third.executionState.awaitingInput[0]?.schema).toEqual(approvalSchema)
  })

  it('keeps each distinct schema apart, and none for a request without one', async () => {
    const store = (await stores.fresh(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [approval, question], store })
    await (await hp.start('approval', { topic: 'a' })).run()
    const before = await schemaRows(store)
    const typed = await hp.start('question', { typed: true })
    await typed.run()
    const untyped = await hp.start('question', { typed: false })
    await untyped.run()
    expect(await schemaRows(store)).toBe(before + 1)
    expect(typed.executionState.awaitingInput[0]?.schema).toMatchObject({ type: 'integer' })
    const reloaded = await createHoldpoint({ workflows: [question], store }).load(untyped.runId)
    expect(reloaded.executionState.awaitingInput[0]?.schema).toBeNull()
    expect(await reloaded.run({ size: 'large' })).toMatchObject({ output: 'large' })
  })

  it('imports a run with its schema into another store', async () => {
    const source = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const engine = await source.start('approval', { topic: 'moved' })
    await engine.run()
    const doc = JSON.parse(JSON.stringify(await engine.export())) as Awaited<
      ReturnType<typeof engine.export>
    >
    const target = (await stores.fresh(kind === 'postgres' ? 'pglite' : 'postgres')) as SqlStore
    const imported = await createHoldpoint({ workflows: [approval], store: target }).import(doc)
    expect(imported.executionState.awaitingInput[0]?.schema).toEqual(approvalSchema)
    const { rows } = await sql<{ schema: object }>`
      SELECT s.schema FROM holdpoint.requests q JOIN holdpoint.schemas s ON s.id = q.schema_id
       WHERE q.run_id = ${engine.runId}`.execute(target.db)
    expect(rows).toEqual([{ schema: approvalSchema }])
  })
})
