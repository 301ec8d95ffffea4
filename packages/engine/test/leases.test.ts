import { describe, expect, it } from 'vitest'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { postgresStore } from '../src/postgres.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

function gated() {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  let aborted = false
  let reason: unknown
  let runs = 0
  const workflow = defineWorkflow({
    id: 'gated',
    version: 1,
    start: 'work',
    nodes: {
      work: async ({ signal }) => {
        runs++
        signal.addEventListener('abort', () => {
          aborted = true
          reason = signal.reason
        })
        await gate
        return 'done'
      },
      after: () => 'after',
    },
    edges: [{ from: 'work', to: 'after' }],
  })
  return {
    workflow,
    open: () => open(),
    aborted: () => aborted,
    reason: () => reason,
    runs: () => runs,
  }
}

describe.each(storeKinds)('leases (%s)', (kind) => {
  const stores = useStores()

  it('takes a lease of up to a day and refuses a longer or malformed one when created', async () => {
    const store = await stores.open(kind)
    for (const leaseMs of [99, 86_400_001, 25 * 86_400_000, 1.5, Number.NaN, '30000']) {
      const error = (() => {
        try {
          createHoldpoint({ workflows: [], store, leaseMs: leaseMs as number })
          return 'no error'
        } catch (e) {
          return e
        }
      })()
      expect(HoldpointError.is(error, 'INVALID_DEFINITION'), String(leaseMs)).toBe(true)
    }
    const day = gated()
    const hp = createHoldpoint({ workflows: [day.workflow], store, leaseMs: 86_400_000 })
    const engine = await hp.start('gated', undefined)
    day.open()
    await engine.run()
    expect(engine.executionState).toMatchObject({ status: 'completed', output: 'after' })
  })

  it('refuses to execute a run another live process is executing: RUN_LEASED', async () => {
    const g = gated()
    const store = await stores.open(kind)
    const mine = await createHoldpoint({ workflows: [g.workflow], store }).start('gated', undefined)
    const running = mine.run()
    await new Promise((resolve) => setTimeout(resolve, 30))
    const theirs = await createHoldpoint({ workflows: [g.workflow], store }).load(mine.runId)
    const error = await theirs.run().catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_LEASED')).toBe(true)
    g.open()
    await running
    expect(mine.executionState).toMatchObject({ status: 'completed', output: 'after' })
    expect(g.runs()).toBe(1)
  })

  it('fences a process whose lease was taken over: its progress is discarded', async () => {
    const g = gated()
    const store = await stores.open(kind)
    const slow = createHoldpoint({ workflows: [g.workflow], store, leaseMs: 200 })
    const engine = await slow.start('gated', undefined)
    const stalled = engine.run()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const fast = defineWorkflow({
      id: 'gated',
      version: 1,
      start: 'work',
      nodes: { work: () => 'taken over', after: ({ output }) => `after ${String(output.work)}` },
      edges: [{ from: 'work', to: 'after' }],
    })
    const other = createHoldpoint({ workflows: [fast], store })
    // What a worker's claim does once the slow process's lease has run out.
    await execute(
      kind,
      await stores.database(),
      store,
      `UPDATE holdpoint.runs SET lease_owner = '${other.owner}', row_version = row_version + 1,
         lease_until = now() + interval '30 seconds', wake_at = now() + interval '30 seconds'
       WHERE id = '${engine.runId}'`,
    )
    const takeover = await other.load(engine.runId)
    await takeover.run()
    expect(takeover.executionState.output).toBe('after taken over')
    await stalled // the slow process's next renewal finds the lease gone and drops its execution
    expect(g.aborted()).toBe(true)
    g.open()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const final = await other.load(engine.runId)
    expect(final.executionState.output).toBe('after taken over')
    const completions = []
    for await (const event of final.events())
      if (event.type === 'node_completed') completions.push(event.data)
    expect(completions.map((c) => c.owner)).toEqual([other.owner, other.owner])
  })

  it('aborts ctx.signal in the executing process when another process cancels', async () => {
    const g = gated()
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [g.workflow], store, leaseMs: 150 }).start(
      'gated',
      undefined,
    )
    const running = engine.run()
    await new Promise((resolve) => setTimeout(resolve, 30))
    await (
      await createHoldpoint({ workflows: [g.workflow], store }).load(engine.runId)
    ).cancel('stop')
    await running // returns once the next lease renewal finds the run cancelled
    expect(g.aborted()).toBe(true)
    expect(HoldpointError.is(g.reason(), 'RUN_CANCELLED')).toBe(true)
    expect(engine.executionState.status).toBe('cancelled')
    g.open()
  })
})

describe('an unreachable database', () => {
  it('surfaces as STORE_UNAVAILABLE, a typed and retriable error', async () => {
    const hp = createHoldpoint({
      workflows: [gated().workflow],
      store: postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none' }),
    })
    const error = await hp.list().catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'STORE_UNAVAILABLE')).toBe(true)
    expect(error).toMatchObject({ retriable: true })
    await hp.close()
  })
})

async function execute(
  kind: string,
  database: { url: string },
  store: object,
  statement: string,
): Promise<void> {
  if (kind === 'postgres') {
    const pg = await import('pg')
    const client = new pg.default.Client({ connectionString: database.url })
    await client.connect()
    await client.query(statement)
    await client.end()
  } else {
    const { sql } = await import('kysely')
    await sql.raw(statement).execute((store as { db: never }).db)
  }
}
