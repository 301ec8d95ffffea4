import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createHoldpoint,
  type Holdpoint,
  type HoldpointErrorCode,
  type Store,
} from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import {
  anyString,
  anyValue,
  awkwardObjects,
  expectTypedError,
  hostileJson,
  registeredIds,
  reviewInput,
  reviewState,
  runCount,
  runs,
  settle,
  sqlLike,
  viaJson,
  withProtoMember,
  workflows,
} from './fixtures/property.js'
import { storedRun } from './fixtures/snapshot.js'

/** What `hp.start()` may answer a bad input, state or version with. */
const startCodes: readonly HoldpointErrorCode[] = [
  'INVALID_INPUT',
  'NOT_SERIALIZABLE',
  'PAYLOAD_TOO_LARGE',
  'VERSION_MISMATCH',
]

/** Start options: none, random ones, or not options at all. */
const startOptions = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        version: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, anyValue),
        state: fc.oneof(anyValue, fc.dictionary(anyString, anyValue, { maxKeys: 3 })),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
)

/** What a store holds as the run's input, state and status. */
async function stored(store: Store, runId: string) {
  const run = await store.loadRun(runId)
  return { input: run?.input, state: run?.state, status: run?.status }
}

describe.each(storeKinds)('hp.start() fuzzed (%s)', (kind) => {
  const stores = useStores()
  let store: Store
  let hp: Holdpoint

  beforeAll(async () => {
    store = await stores.open(kind)
    hp = createHoldpoint({ workflows, store })
  })

  it('answers an unregistered workflow id with WORKFLOW_NOT_FOUND and stores nothing', async () => {
    const unknownId = fc
      .oneof(
        anyString,
        anyValue,
        fc.constantFrom(
          ...sqlLike,
          'Property-review',
          'property-review ',
          'property-review\u0000',
          'property-review\u200b',
          'approval',
        ),
      )
      .filter((id) => typeof id !== 'string' || !registeredIds.includes(id))
    await fc.assert(
      fc.asyncProperty(unknownId, anyValue, startOptions, async (id, input, options) => {
        const count = await runCount(hp)
        const result = await settle(() => hp.start(id as never, input as never, options as never))
        expect(result.ok).toBe(false)
        if (!result.ok) expectTypedError(result.error, ['WORKFLOW_NOT_FOUND'])
        expect(await runCount(hp)).toBe(count)
      }),
      runs<[unknown, unknown, unknown]>(
        100,
        [...awkwardObjects, null, undefined, 1, Symbol('id'), 'property-review\u0000'].map(
          (id): [unknown, unknown, unknown] => [id, {}, undefined],
        ),
      ),
    )
  }, 120_000)

  it('validates the input against the schema: a typed error and no run, or a run holding the parsed input', async () => {
    const input = fc.oneof(
      anyValue,
      fc.record({ topic: anyString }),
      fc
        .tuple(fc.dictionary(anyString, anyValue, { maxKeys: 3 }), anyString)
        .map(([others, topic]) => ({ ...others, topic })),
    )
    await fc.assert(
      fc.asyncProperty(input, startOptions, async (value, options) => {
        const count = await runCount(hp)
        const result = await settle(() =>
          hp.start('property-review', value as never, options as never),
        )
        if (!result.ok) {
          expectTypedError(result.error, startCodes)
          expect(await runCount(hp)).toBe(count)
          return
        }
        const parsed = reviewInput.safeParse(value)
        expect(parsed.success).toBe(true)
        expect(await runCount(hp)).toBe(count + 1)
        const state = reviewState.parse((options as { state?: unknown } | undefined)?.state ?? {})
        expect(await stored(store, result.value.runId)).toEqual({
          input: viaJson(parsed.data),
          state: viaJson(state),
          status: 'running',
        })
      }),
      runs<[unknown, unknown]>(80, [
        [{ topic: '\u0000' }, undefined],
        [{ topic: 'a\ud800' }, undefined],
        [{ topic: 'ok', 'extra\u0000': 1 }, undefined],
        [{ topic: 'ok' }, null],
        [{ topic: 'ok' }, { state: { draft: 'a\u0000' } }],
        [{ topic: 'ok' }, { version: Object.create(null) }],
        [{ topic: 'ok' }, { version: 2 }],
        [{ topic: 'ok' }, { state: [] }],
        [{ topic: new Date(Number.NaN) }, undefined],
      ]),
    )
  }, 120_000)

  it('stores any input of a schemaless workflow exactly as JSON has it, or refuses it with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileJson, anyValue), startOptions, async (value, options) => {
        const count = await runCount(hp)
        const result = await settle(() =>
          hp.start('property-echo', value as never, options as never),
        )
        if (!result.ok) {
          expectTypedError(result.error, startCodes)
          expect(await runCount(hp)).toBe(count)
          return
        }
        expect(await runCount(hp)).toBe(count + 1)
        const input = viaJson(value) ?? null
        const state = viaJson((options as { state?: unknown } | undefined)?.state ?? {})
        expect(await stored(store, result.value.runId)).toEqual({
          input,
          state,
          status: 'running',
        })
        const done = await result.value.run()
        expect(done.status).toBe('completed')
        expect(viaJson(done.output)).toEqual({ input })
      }),
      runs<[unknown, unknown]>(80, [
        [withProtoMember({ polluted: true }, { kept: 1 }), undefined],
        [withProtoMember(null), undefined],
        [{ nested: withProtoMember(5) }, undefined],
        ['\u0000', undefined],
        [{ '\u0000': 1 }, undefined],
        [['\udc00'], undefined],
        [new Date(Number.NaN), undefined],
        [{ at: new Date(Number.NaN) }, undefined],
        [{ ok: true }, { state: withProtoMember({ polluted: true }) }],
        [{ ok: true }, { state: { s: '\u0000' } }],
        [{ ok: true }, null],
      ]),
    )
  }, 120_000)
})

describe.each(storeKinds)('hp.load() fuzzed (%s)', (kind) => {
  const stores = useStores()

  it('answers anything that is not a stored run id with RUN_NOT_FOUND', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    const existing = await hp.start('property-review', { topic: 'load' })
    await existing.run()
    const before = await storedRun(store, existing.runId)
    const count = await runCount(hp)
    const hex = '0123456789abcdef'
    const nearMiss = fc
      .tuple(fc.nat({ max: 35 }), fc.nat({ max: 15 }))
      .filter(([at]) => existing.runId[at] !== '-')
      .map(([at, digit]) => {
        const id = existing.runId
        const current = hex.indexOf(id[at] ?? '0')
        const replaced = hex[(current + 1 + (digit % 15)) % 16] ?? '0'
        return id.slice(0, at) + replaced + id.slice(at + 1)
      })
    const uuid = fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] })
    const runId = fc.oneof(
      anyString,
      anyValue,
      fc.constantFrom(...sqlLike),
      uuid,
      uuid.map((id) => id.toUpperCase()),
      uuid.map((id) => `{${id}}`),
      uuid.map((id) => id.replaceAll('-', '')),
      uuid.map((id) => ` ${id}`),
      uuid.map((id) => `${id}\u0000`),
      uuid.map((id) => `${id}'; DROP TABLE holdpoint.runs; --`),
      nearMiss,
      fc.constantFrom(`${existing.runId} `, `${existing.runId}\u0000`, existing.runId.slice(1)),
    )
    await fc.assert(
      fc.asyncProperty(runId, async (id) => {
        const result = await settle(() => hp.load(id as never))
        expect(result.ok).toBe(false)
        if (!result.ok) expectTypedError(result.error, ['RUN_NOT_FOUND'])
      }),
      runs<[unknown]>(
        100,
        [
          ...awkwardObjects,
          null,
          undefined,
          42,
          Symbol('id'),
          '',
          '\u0000',
          existing.runId.toUpperCase().replace(/^./, 'z'),
          `${existing.runId}'; DROP TABLE holdpoint.runs; --`,
        ].map((id): [unknown] => [id]),
      ),
    )
    expect(await runCount(hp)).toBe(count)
    expect(await storedRun(store, existing.runId)).toEqual(before)
    const again = await createHoldpoint({ workflows, store }).load(existing.runId)
    expect(again.executionState.status).toBe('waiting_for_input')
  }, 120_000)
})
