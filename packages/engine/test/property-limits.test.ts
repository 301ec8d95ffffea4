import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { createHoldpoint, type PayloadLimits, type Store } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import {
  anyValue,
  expectTypedError,
  oddKeys,
  runCount,
  runs,
  settle,
  storableJson,
  storableString,
  workflows,
} from './fixtures/property.js'
import { storedRun } from './fixtures/snapshot.js'

const KiB = 1024
const MiB = 1024 * KiB

/** Bytes of JSON, as the limits count them. */
function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value))
}

/** A limit on either side of `bytes`, or anywhere small. */
function limitAround(bytes: number) {
  return fc.oneof(
    fc.integer({ min: -3, max: 3 }).map((delta) => Math.max(1, bytes + delta)),
    fc.integer({ min: 1, max: 2 * bytes + 16 }),
  )
}

describe.each(storeKinds)('configured payload limits (%s)', (kind) => {
  const stores = useStores()
  let store: Store

  beforeAll(async () => {
    store = await stores.open(kind)
  })

  it('takes an answer up to answerBytes and refuses a larger one with PAYLOAD_TOO_LARGE, storing nothing', async () => {
    const answerAndLimit = fc
      .record({ approved: fc.boolean(), note: storableString })
      .chain((answer) => fc.tuple(fc.constant(answer), limitAround(jsonBytes(answer))))
    await fc.assert(
      fc.asyncProperty(answerAndLimit, async ([answer, answerBytes]) => {
        const hp = createHoldpoint({ workflows, store, limits: { answerBytes } })
        const engine = await hp.start('property-review', { topic: 'answer limit' })
        await engine.run()
        const before = await storedRun(store, engine.runId)
        const bytes = jsonBytes(answer)
        const result = await settle(() => engine.run({ approve: answer }))
        if (bytes <= answerBytes) {
          expect(result.ok).toBe(true)
          expect(engine.executionState.status).toBe('completed')
          return
        }
        expect(result.ok).toBe(false)
        if (result.ok) return
        expectTypedError(result.error, ['PAYLOAD_TOO_LARGE'])
        expect(result.error).toMatchObject({ bytes, limit: answerBytes })
        expect(await storedRun(store, engine.runId)).toEqual(before)
        expect(engine.executionState.status).toBe('waiting_for_input')
      }),
      runs(40),
    )
  }, 120_000)

  it('takes a run input up to inputBytes and refuses a larger one with PAYLOAD_TOO_LARGE, creating no run', async () => {
    const input = fc.oneof(
      storableString.map((topic) => ({ workflow: 'property-review' as const, value: { topic } })),
      storableJson.map((value) => ({ workflow: 'property-echo' as const, value })),
    )
    const inputAndLimit = input.chain((i) =>
      fc.tuple(fc.constant(i), limitAround(jsonBytes(i.value))),
    )
    await fc.assert(
      fc.asyncProperty(inputAndLimit, async ([{ workflow, value }, inputBytes]) => {
        const hp = createHoldpoint({ workflows, store, limits: { inputBytes } })
        const count = await runCount(hp)
        const bytes = jsonBytes(value)
        const result = await settle(() => hp.start(workflow, value as never))
        if (bytes <= inputBytes) {
          expect(result.ok).toBe(true)
          expect(await runCount(hp)).toBe(count + 1)
          return
        }
        expect(result.ok).toBe(false)
        if (!result.ok) {
          expectTypedError(result.error, ['PAYLOAD_TOO_LARGE'])
          expect(result.error).toMatchObject({ bytes, limit: inputBytes })
        }
        expect(await runCount(hp)).toBe(count)
      }),
      runs(60),
    )
  }, 120_000)

  it('takes up to answersPerDelivery answers in one delivery and refuses more with INVALID_INPUT', async () => {
    const engine = await createHoldpoint({ workflows, store }).start('property-review', {
      topic: 'answer count',
    })
    await engine.run()
    const before = await storedRun(store, engine.runId)
    const keys = fc.uniqueArray(fc.oneof(fc.string(), fc.constantFrom(...oddKeys, 'approve')), {
      maxLength: 25,
    })
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        keys,
        fc.constantFrom('run', 'step'),
        async (answersPerDelivery, ids, method) => {
          const hp = createHoldpoint({ workflows, store, limits: { answersPerDelivery } })
          const loaded = await hp.load(engine.runId)
          // Every value is a number: never a valid answer to `approve`.
          const input = Object.fromEntries(ids.map((id, i) => [id, i]))
          const result = await settle(() => loaded[method](input))
          if (ids.length === 0) expect(result.ok).toBe(true)
          else {
            expect(result.ok).toBe(false)
            if (!result.ok) {
              if (ids.length > answersPerDelivery) {
                expectTypedError(result.error, ['INVALID_INPUT'])
                expect(String(result.error)).toContain(`at most ${answersPerDelivery} answers`)
              } else expectTypedError(result.error, ['UNKNOWN_REQUEST', 'INVALID_INPUT'])
            }
          }
          expect(await storedRun(store, engine.runId)).toEqual(before)
        },
      ),
      runs(60),
    )
  }, 120_000)
})

describe.each(storeKinds)('default payload limits (%s)', (kind) => {
  const stores = useStores()
  const base = { approved: true, note: '' }

  it('takes a 256 KiB answer and refuses one byte more', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    const fits = { ...base, note: 'x'.repeat(256 * KiB - jsonBytes(base)) }
    expect(jsonBytes(fits)).toBe(256 * KiB)
    const over = { ...fits, note: `${fits.note}x` }

    const refused = await hp.start('property-review', { topic: 'default answer limit' })
    await refused.run()
    const before = await storedRun(store, refused.runId)
    const error = await refused.run({ approve: over }).catch((e: unknown) => e)
    expectTypedError(error, ['PAYLOAD_TOO_LARGE'])
    expect(error).toMatchObject({ bytes: 256 * KiB + 1, limit: 256 * KiB })
    expect(await storedRun(store, refused.runId)).toEqual(before)

    const done = await refused.run({ approve: fits })
    expect(done.status).toBe('completed')
    expect(done.output).toMatchObject({ answer: fits })
  })

  it('takes a 1 MiB run input and refuses one byte more', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    const empty = { topic: '' }
    const fits = { topic: 'x'.repeat(MiB - jsonBytes(empty)) }
    expect(jsonBytes(fits)).toBe(MiB)
    const count = await runCount(hp)
    const error = await hp
      .start('property-review', { topic: `${fits.topic}x` })
      .catch((e: unknown) => e)
    expectTypedError(error, ['PAYLOAD_TOO_LARGE'])
    expect(error).toMatchObject({ bytes: MiB + 1, limit: MiB })
    expect(await runCount(hp)).toBe(count)
    const engine = await hp.start('property-review', fits)
    expect((await store.loadRun(engine.runId))?.input).toEqual(fits)
  })

  it('takes 100 answers in one delivery and refuses 101', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    const engine = await hp.start('property-review', { topic: 'default count limit' })
    await engine.run()
    const before = await storedRun(store, engine.runId)
    const answers = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))
    expectTypedError(await engine.run(answers(100)).catch((e: unknown) => e), ['UNKNOWN_REQUEST'])
    expectTypedError(await engine.run(answers(101)).catch((e: unknown) => e), ['INVALID_INPUT'])
    expect(await storedRun(store, engine.runId)).toEqual(before)
  })
})

describe('limits configuration', () => {
  const known = ['inputBytes', 'answerBytes', 'answersPerDelivery', 'stateBytes', 'outputBytes']

  it('takes positive integers for known limits and refuses anything else when the Holdpoint is created', () => {
    const limitValue = fc.oneof(
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.constant(undefined),
      anyValue,
      fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, '1024', 1024n, Number.NaN),
    )
    const limits = fc.dictionary(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...known) },
        { weight: 1, arbitrary: fc.constantFrom(...oddKeys) },
        { weight: 1, arbitrary: fc.string() },
      ),
      limitValue,
      { maxKeys: 4, noNullPrototype: true },
    )
    fc.assert(
      fc.property(limits, (config) => {
        const valid = Object.entries(config).every(
          ([key, value]) =>
            known.includes(key) &&
            (value === undefined ||
              (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)),
        )
        const create = () =>
          createHoldpoint({ workflows, limits: config as PayloadLimits, store: unusedStore })
        if (valid) expect(create).not.toThrow()
        else expect(create).toThrow(TypeError)
      }),
      {
        numRuns: 300,
        examples: [
          [{ constructor: 1 }],
          [{ toString: 1 }],
          [{ __proto__: null, answerBytes: 5 } as Record<string, unknown>],
          [JSON.parse('{"__proto__": 5}') as Record<string, unknown>],
          [{ answerBytes: Object.create(null) as unknown }],
        ],
      },
    )
  })
})

/** Never opened: creating a Holdpoint does not touch its store. */
const unusedStore: Store = new Proxy({} as Store, {
  get(_, property) {
    throw new Error(`The store was used (${String(property)}) while only creating a Holdpoint.`)
  },
})
