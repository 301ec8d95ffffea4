import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../src/errors.js'
import { StatementBatcher } from '../src/store/statement-batcher.js'

interface Item {
  key: string
  size?: number
  bad?: boolean
}

/** A batcher over a fake statement that records every batch and returns when told to. */
function recording(limits: { maxItems?: number; maxBytes?: number } = {}) {
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
      maxInFlight: 1,
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
})
