import { describe, expect, it, vi } from 'vitest'
import { StoreUnavailableError } from '../src/errors.js'
import { StatementBatcher } from '../src/store/statement-batcher.js'

interface Item {
  key: string
  size?: number
  bad?: boolean
}

/** A batcher over a fake statement that records every batch and returns when told to. */
function recording(
  limits: { maxItems?: number; maxBytes?: number; stallMs?: number; sharedKeys?: boolean } = {},
) {
  const batches: string[][] = []
  const waiting: Array<() => void> = []
  let failWith: unknown
  const batcher = new StatementBatcher<Item, string>(
    async (items) => {
      batches.push(items.map((i) => i.key))
      await new Promise<void>((resolve) => waiting.push(resolve))
      if (failWith !== undefined) throw failWith
      if (items.some((i) => i.bad)) throw new Error('bad item in batch')
      return items.map((i) => `done ${i.key}`)
    },
    {
      keyOf: (item) => item.key,
      sizeOf: (item) => item.size ?? 1,
      maxItems: limits.maxItems ?? 64,
      maxBytes: limits.maxBytes ?? 1000,
      stallMs: limits.stallMs ?? 60_000,
      maxOnWire: 3,
      sharedKeys: limits.sharedKeys ?? false,
      splitOn: (error) => error instanceof Error && error.message === 'bad item in batch',
    },
  )
  const settle = async (): Promise<void> => {
    // Let submitted items reach the batcher, then let every batch on the wire return.
    for (let round = 0; round < 20; round++) {
      await new Promise((resolve) => setImmediate(resolve))
      waiting.splice(0).forEach((release) => release())
    }
  }
  return { batcher, batches, settle, failWith: (error: unknown) => (failWith = error) }
}

describe('statement batcher (group commit)', () => {
  it('sends an idle item at once and groups what arrives meanwhile into one batch', async () => {
    const { batcher, batches, settle } = recording()
    const first = batcher.submit({ key: 'a' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(batches).toEqual([['a']])
    const later = ['b', 'c', 'd'].map((key) => batcher.submit({ key }))
    await settle()
    expect(batches).toEqual([['a'], ['b', 'c', 'd']])
    expect(await first).toBe('done a')
    expect(await Promise.all(later)).toEqual(['done b', 'done c', 'done d'])
  })

  it('groups items submitted in later microtasks of the same turn with the first', async () => {
    const { batcher, batches, settle } = recording()
    const results = [batcher.submit({ key: 'a' })]
    for (const key of ['b', 'c']) {
      // Each run reaches its write a few awaits after the one before it did.
      for (let i = 0; i < 5; i++) await Promise.resolve()
      results.push(batcher.submit({ key }))
    }
    await settle()
    expect(batches).toEqual([['a', 'b', 'c']])
    expect(await Promise.all(results)).toEqual(['done a', 'done b', 'done c'])
  })

  it('never puts two items of one key in a batch, and keeps their order', async () => {
    const { batcher, batches, settle } = recording()
    const results = ['a', 'b', 'a', 'c', 'a'].map((key) => batcher.submit({ key }))
    await settle()
    expect(batches).toEqual([['a', 'b', 'c'], ['a'], ['a']])
    expect(await Promise.all(results)).toHaveLength(5)
  })

  it('caps batches by items and by bytes; one oversized item still goes, alone', async () => {
    const { batcher, batches, settle } = recording({ maxItems: 2, maxBytes: 10 })
    const results = [
      batcher.submit({ key: 'a' }),
      batcher.submit({ key: 'b' }),
      batcher.submit({ key: 'c' }),
      batcher.submit({ key: 'big', size: 50 }),
      batcher.submit({ key: 'd', size: 6 }),
      batcher.submit({ key: 'e', size: 6 }),
    ]
    await settle()
    expect(batches).toEqual([['a', 'b'], ['c'], ['big'], ['d'], ['e']])
    expect(await Promise.all(results)).toHaveLength(6)
  })

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const { batcher, batches, settle } = recording()
    const results = [
      batcher.submit({ key: 'a' }),
      batcher.submit({ key: 'b', bad: true }),
      batcher.submit({ key: 'c' }),
    ].map((p) =>
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }) as const,
      ),
    )
    await settle()
    expect(batches).toEqual([['a', 'b', 'c'], ['a'], ['b'], ['c']])
    const [a, b, c] = await Promise.all(results)
    expect(a).toEqual({ value: 'done a' })
    expect(c).toEqual({ value: 'done c' })
    expect((b as { error: Error }).error.message).toBe('bad item in batch')
  })

  it('fails every item of a batch whose connection was lost, without resending any', async () => {
    const { batcher, batches, settle, failWith } = recording()
    failWith(new StoreUnavailableError(new Error('Connection terminated')))
    const results = ['a', 'b'].map((key) => batcher.submit({ key }).catch((e: unknown) => e))
    await settle()
    expect(batches).toEqual([['a', 'b']])
    for (const error of await Promise.all(results)) {
      expect(error).toBeInstanceOf(StoreUnavailableError)
    }
  })

  it('fails every item of a batch that failed for a reason no single item explains', async () => {
    const { batcher, batches, settle, failWith } = recording()
    failWith(new Error('cannot execute UPDATE in a read-only transaction'))
    const results = ['a', 'b'].map((key) => batcher.submit({ key }).catch((e: unknown) => e))
    await settle()
    expect(batches).toEqual([['a', 'b']])
    for (const error of await Promise.all(results)) {
      expect((error as Error).message).toMatch(/read-only/)
    }
  })

  it('lets items of other runs pass a batch held up on the wire, never items of its runs', async () => {
    const { batcher, batches, settle } = recording({ stallMs: 30 })
    const stuck = batcher.submit({ key: 'a' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(batches).toEqual([['a']])
    const later = [batcher.submit({ key: 'a' }), batcher.submit({ key: 'b' })]
    await new Promise((resolve) => setTimeout(resolve, 60))
    // 'a' is still on the wire (nothing released it): 'b' went past it, the second 'a' waits.
    expect(batches).toEqual([['a'], ['b']])
    await settle()
    expect(batches).toEqual([['a'], ['b'], ['a']])
    expect(await Promise.all([stuck, ...later])).toEqual(['done a', 'done a', 'done b'])
  })

  it('sets no timer while only items of the runs on the wire wait: their return sends them', async () => {
    const { batcher, batches, settle } = recording({ stallMs: 20 })
    const stuck = batcher.submit({ key: 'a' })
    await new Promise((resolve) => setImmediate(resolve))
    const timers = vi.spyOn(globalThis, 'setTimeout')
    const next = batcher.submit({ key: 'a' })
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    // Polling would have set a timer for the stall and then one every millisecond after it.
    expect(timers).not.toHaveBeenCalled()
    timers.mockRestore()
    await settle()
    expect(batches).toEqual([['a'], ['a']])
    expect(await Promise.all([stuck, next])).toEqual(['done a', 'done a'])
  })

  it('lets reads of one key share a batch when keys are shared', async () => {
    const { batcher, batches, settle } = recording({ sharedKeys: true })
    const results = ['a', 'a', 'b'].map((key) => batcher.submit({ key }))
    await settle()
    expect(batches).toEqual([['a', 'a', 'b']])
    expect(await Promise.all(results)).toEqual(['done a', 'done a', 'done b'])
  })

  it('drains: resolves once everything submitted has returned, also when it returned quickly', async () => {
    let calls = 0
    let second: Promise<string> | undefined
    let drained: Promise<void> | undefined
    const batcher: StatementBatcher<string, string> = new StatementBatcher(
      async (items) => {
        calls++
        // Another write arrives, and a close starts draining, while the first is on the wire.
        if (calls === 1) {
          queueMicrotask(() => {
            second = batcher.submit('b')
            drained = batcher.drain()
          })
        }
        for (let i = 0; i < 3; i++) await Promise.resolve()
        return [...items]
      },
      {
        keyOf: (item) => item,
        sizeOf: () => 1,
        maxItems: 64,
        maxBytes: 1000,
        stallMs: 60_000,
        maxOnWire: 3,
        splitOn: () => false,
      },
    )
    const first = batcher.submit('a')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const outcome = await Promise.race([
      Promise.all([first, second, drained]).then(() => 'drained'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 1000)),
    ])
    expect(outcome).toBe('drained')
    expect(await batcher.drain()).toBeUndefined()
  })
})
