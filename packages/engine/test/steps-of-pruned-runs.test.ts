import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import type { SqlStore } from '../src/postgres.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

// A process may still be executing a node of a run that another process cancelled and pruned
// meanwhile. Whatever its steps store then would belong to no run, and nothing would delete it.

describe.each(storeKinds)('steps of a pruned run (%s)', (kind) => {
  const stores = useStores()

  const stepRows = async (store: SqlStore, runId: string) => {
    const { rows } = await sql<{ key: string }>`
      SELECT key FROM holdpoint.steps WHERE run_id = ${runId}`.execute(store.db)
    return rows.map((r) => r.key)
  }

  it('stores no step for a run that is gone, and says so with RUN_NOT_FOUND', async () => {
    const store = (await stores.open(kind)) as SqlStore
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'pruned' })
    await engine.cancel()
    expect(await hp.prune({ olderThan: new Date(Date.now() + 1000), status: 'cancelled' })).toBe(1)

    const saving = store.saveStep(engine.runId, {
      nodeId: 'draft',
      visit: 1,
      key: 'late',
      seq: 1,
      result: 'late',
    })
    const error = await saving.catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_NOT_FOUND')).toBe(true)
    expect((error as Error).message).toContain(engine.runId)
    expect(await stepRows(store, engine.runId)).toEqual([])
  })

  it("leaves no step behind when a stale process's step finishes after the run was pruned", async () => {
    let release = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    let entered = () => {}
    const inStep = new Promise<void>((resolve) => (entered = resolve))
    const seen: unknown[] = []
    const slow = defineWorkflow({
      id: 'slowStep',
      version: 1,
      start: 'work',
      nodes: {
        work: async ({ step }) => {
          try {
            return await step('charge', async () => {
              entered()
              await released
              return 'charged'
            })
          } catch (error) {
            seen.push(error)
            throw error
          }
        },
      },
    })
    const store = (await stores.open(kind)) as SqlStore
    const stale = await createHoldpoint({ workflows: [slow], store }).start('slowStep', undefined)
    const running = stale.run().catch((e: unknown) => e)
    await inStep

    // Another process cancels and prunes the run while the step's function is still at work.
    const other = createHoldpoint({ workflows: [slow], store })
    await (await other.load(stale.runId)).cancel()
    expect(await other.prune({ olderThan: new Date(Date.now() + 1000), status: 'cancelled' })).toBe(
      1,
    )
    release()
    // What the run() of the stale process ends with is the runtime's business: the run is gone.
    await running

    expect(seen).toHaveLength(1)
    expect(HoldpointError.is(seen[0], 'RUN_NOT_FOUND')).toBe(true)
    expect(await stepRows(store, stale.runId)).toEqual([])
  })
})
