import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createHoldpoint, type Store } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'
import { counter } from './fixtures/counter.js'

/**
 * The run ids the store's event notifications named, in the order they came. Notifications come
 * in commit order, so once `heardOf(id)` resolves for a write, every notification of a write
 * that committed before it has come too: a later write of a run followed on purpose (`sentinel`)
 * shows that a run was not notified.
 */
async function listen(store: Store) {
  const heard: string[] = []
  const stop = await store.listenEvents((runId) => {
    if (runId !== undefined) heard.push(runId)
  })
  const heardOf = (runId: string) =>
    new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (heard.includes(runId)) resolve(clearInterval(timer))
      }, 5)
    })
  return { heard, heardOf, stop }
}

describe.each(storeKinds)('follow marks (%s)', (kind) => {
  const stores = useStores()

  /** A followed run's next checkpoint, heard: every write before it has been heard of too. */
  async function sentinel(store: Store): Promise<string> {
    const hp = createHoldpoint({ workflows: [counter], store })
    const run = await hp.start('counter', { rounds: 3 })
    await store.follow([run.runId], 60_000)
    await run.step()
    return run.runId
  }

  /**
   * Marks two counter runs with `mark`, then checkpoints both: which of them notified? The first
   * is expected to, the second not.
   */
  async function stepBoth(mark: (store: Store, first: string, second: string) => Promise<void>) {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [counter], store })
    const [first, second] = [
      await hp.start('counter', { rounds: 3 }),
      await hp.start('counter', { rounds: 3 }),
    ]
    const { heard, heardOf, stop } = await listen(store)
    await mark(store, first.runId, second.runId)
    await second.step()
    await first.step()
    await heardOf(await sentinel(store))
    await stop()
    return [heard.includes(first.runId), heard.includes(second.runId)]
  }

  it('notifies only for followed runs', async () => {
    const notified = await stepBoth((store, followed) => store.follow([followed], 60_000))
    expect(notified).toEqual([true, false])
  })

  it('keeps the later of two marks, and notifies nothing once a mark has run out', async () => {
    const notified = await stepBoth(async (store, kept, lapsed) => {
      await store.follow([kept], 60_000)
      await store.follow([kept, lapsed], 1)
      await new Promise((resolve) => setTimeout(resolve, 20))
    })
    expect(notified).toEqual([true, false])
  })

  it('tells the followers of the runs a prune deletes, and no others', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const quiet = await hp.start('approval', { topic: 'q' })
    const followed = await hp.start('approval', { topic: 'f' })
    await quiet.run()
    await followed.run()
    const { heard, heardOf, stop } = await listen(store)
    await store.follow([followed.runId], 60_000)
    // Other tests' waiting runs in this database go too, and some of them may be followed.
    await hp.prune({ olderThan: new Date(Date.now() + 1000), status: 'waiting_for_input' })
    expect(await store.loadRun(followed.runId)).toBeUndefined()
    expect(await store.loadRun(quiet.runId)).toBeUndefined()
    await heardOf(await sentinel(store))
    expect(heard).toContain(followed.runId)
    expect(heard).not.toContain(quiet.runId)
    await stop()
  })
})

describe('follow marks on Postgres', () => {
  const stores = useStores()

  it('renews several marks without waiting for a row another writer holds', async () => {
    const store = await stores.open('postgres')
    const hp = createHoldpoint({ workflows: [counter], store })
    const held = await hp.start('counter', { rounds: 3 })
    const free = await hp.start('counter', { rounds: 3 })
    const { url } = await stores.database()
    const writer = new pg.Client({ connectionString: url })
    await writer.connect()
    try {
      await writer.query('BEGIN')
      await writer.query('SELECT 1 FROM holdpoint.runs WHERE id = $1 FOR NO KEY UPDATE', [
        held.runId,
      ])
      // Waiting here for `held` while holding `free` is how a renewal could deadlock.
      await store.follow([held.runId, free.runId], 60_000)
      await writer.query('COMMIT')
      const { rows } = await writer.query<{ id: string; marked: boolean | null }>(
        `SELECT id, followed_until > now() AS marked FROM holdpoint.runs WHERE id = ANY($1)`,
        [[held.runId, free.runId]],
      )
      expect(Object.fromEntries(rows.map((r) => [r.id, r.marked]))).toEqual({
        [held.runId]: null,
        [free.runId]: true,
      })
    } finally {
      await writer.end()
    }
  })
})
