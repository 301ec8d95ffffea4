import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createHoldpoint,
  type ExecutionState,
  type HoldpointErrorCode,
  type InputData,
  type Store,
  type WorkflowEngine,
} from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import {
  anyShortString,
  anyValue,
  canonicalJson,
  carriesNoAnswers,
  expectTypedError,
  hostileAnswer,
  hostileDelivery,
  ledgerAnswer,
  protoAnswer,
  requestKey,
  runs,
  secondAnswer,
  settle,
  storableString,
  validAnswer,
  viaJson,
  withProtoMember,
  workflows,
} from './fixtures/property.js'
import { storedRun } from './fixtures/snapshot.js'

/** What `run()` and `step()` may answer a bad delivery with. */
const deliveryCodes: readonly HoldpointErrorCode[] = [
  'INVALID_INPUT',
  'UNKNOWN_REQUEST',
  'NOT_SERIALIZABLE',
  'PAYLOAD_TOO_LARGE',
  'RUN_NOT_WAITING',
]

const methods = ['run', 'step'] as const
type Method = (typeof methods)[number]
type Which = 'paused' | 'replaying'
const clean = { approved: true, note: 'clean' }

describe.each(storeKinds)('run() and step() on a waiting run, fuzzed (%s)', (kind) => {
  const stores = useStores()
  let store: Store
  /** The engine that started the run: its node is paused in memory at the `await`. */
  let paused: WorkflowEngine
  /** The same run loaded by another Holdpoint: a delivery replays the node first. */
  let replaying: WorkflowEngine
  let before: unknown
  let stateBefore: ExecutionState

  beforeAll(async () => {
    store = await stores.open(kind)
    paused = await createHoldpoint({ workflows, store }).start('property-review', {
      topic: 'fuzz',
    })
    await paused.run()
    replaying = await createHoldpoint({ workflows, store }).load(paused.runId)
    before = await storedRun(store, paused.runId)
    stateBefore = paused.executionState
    expect(stateBefore.status).toBe('waiting_for_input')
  })

  const engines = fc.constantFrom<Which>('paused', 'replaying')
  const engine = (which: Which): WorkflowEngine => (which === 'paused' ? paused : replaying)

  async function expectUnchanged(): Promise<void> {
    expect(await storedRun(store, paused.runId)).toEqual(before)
    expect(paused.executionState).toEqual(stateBefore)
    expect(replaying.executionState).toEqual(stateBefore)
  }

  it('answers arbitrary input with a typed error and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileDelivery,
        fc.constantFrom(...methods),
        engines,
        async (input, method, which) => {
          const result = await settle(() => engine(which)[method](input as InputData))
          if (result.ok) expect(carriesNoAnswers(input)).toBe(true)
          else expectTypedError(result.error, deliveryCodes)
          await expectUnchanged()
        },
      ),
      runs<[unknown, Method, Which]>(100, [
        [{ 'a\u0000b': 1 }, 'run', 'paused'],
        [{ '\u0000': { approved: true, note: 'x' } }, 'step', 'replaying'],
        [{ approve: { approved: 'yes' }, "'; DROP TABLE holdpoint.runs; --": 1 }, 'run', 'paused'],
        [{ approve: { approved: true, note: 'x' }, '': 1 }, 'step', 'paused'],
        [{ approve: { approved: true, note: 1n } }, 'run', 'replaying'],
        [{ approve: { approved: true, note: new Date(Number.NaN) } }, 'step', 'paused'],
        [withProtoMember({ approve: { approved: true, note: 'x' } }), 'run', 'paused'],
        [Object.create(null), 'run', 'paused'],
        [['approve'], 'step', 'paused'],
        ['approve', 'run', 'replaying'],
      ]),
    )
  }, 120_000)

  it('answers a request id Postgres cannot hold (NUL) with UNKNOWN_REQUEST', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyShortString,
        anyShortString,
        fc.constantFrom(...methods),
        engines,
        async (head, tail, method, which) => {
          const result = await settle(() => engine(which)[method]({ [`${head}\u0000${tail}`]: 1 }))
          expect(result.ok).toBe(false)
          if (!result.ok) expectTypedError(result.error, ['UNKNOWN_REQUEST'])
          await expectUnchanged()
        },
      ),
      runs(20),
    )
  }, 60_000)

  it('answers arbitrary `visits` and options with a typed error and changes nothing', async () => {
    const visits = fc.oneof(
      anyValue,
      fc.dictionary(requestKey, fc.oneof(fc.integer(), fc.double(), anyValue), { maxKeys: 4 }),
    )
    const options = fc.oneof(
      { weight: 4, arbitrary: visits.map((v) => ({ visits: v })) },
      { weight: 1, arbitrary: anyValue },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(undefined), hostileDelivery),
        options,
        fc.constantFrom(...methods),
        engines,
        async (input, opts, method, which) => {
          const result = await settle(() =>
            engine(which)[method](input as InputData, opts as never),
          )
          if (result.ok) expect(carriesNoAnswers(input)).toBe(true)
          else expectTypedError(result.error, deliveryCodes)
          await expectUnchanged()
        },
      ),
      runs<[unknown, unknown, Method, Which]>(80, [
        [undefined, null, 'run', 'paused'],
        [{ nope: 1 }, null, 'step', 'replaying'],
        [undefined, { visits: null }, 'run', 'paused'],
        [{ approve: 1 }, { visits: Object.create(null) }, 'run', 'paused'],
        [{ approve: 1 }, { visits: 'abc' }, 'step', 'paused'],
        [undefined, { visits: { approve: 0.5 } }, 'run', 'replaying'],
        [undefined, { visits: { '\u0000': 1 } }, 'run', 'paused'],
      ]),
    )
  }, 120_000)

  it('refuses a valid answer addressed to another visit, and changes nothing', async () => {
    const otherVisit = fc.oneof(fc.integer({ min: -5, max: 1000 }), anyValue).filter((v) => v !== 1)
    const otherVisits = fc.dictionary(
      requestKey,
      fc.oneof(fc.integer({ min: -2, max: 5 }), anyValue),
      { maxKeys: 3 },
    )
    await fc.assert(
      fc.asyncProperty(
        validAnswer,
        otherVisit,
        otherVisits,
        fc.constantFrom(...methods),
        engines,
        async (answer, visit, others, method, which) => {
          const result = await settle(() =>
            engine(which)[method](
              { approve: answer },
              { visits: { ...others, approve: visit } as Record<string, number> },
            ),
          )
          expect(result.ok).toBe(false)
          if (!result.ok) expectTypedError(result.error, ['INVALID_INPUT', 'UNKNOWN_REQUEST'])
          await expectUnchanged()
        },
      ),
      runs(60),
    )
  }, 120_000)

  it('still takes a valid answer after all that', async () => {
    const done = await paused.run({ approve: clean })
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ topic: 'fuzz', draft: 'Draft: fuzz', answer: clean })
  })
})

describe.each(storeKinds)('answers round-trip (%s)', (kind) => {
  const stores = useStores()

  it('completes with any valid answer, echoes it, and stores it as delivered', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    const elsewhere = createHoldpoint({ workflows, store })
    await fc.assert(
      fc.asyncProperty(
        storableString,
        validAnswer,
        fc.constantFrom('run', 'step', 'elsewhere'),
        async (topic, answer, how) => {
          const engine = await hp.start('property-review', { topic })
          await engine.run()
          let final: ExecutionState
          if (how === 'run') final = await engine.run({ approve: answer })
          else if (how === 'step') {
            const stepped = await engine.step({ approve: answer })
            expect(stepped).toMatchObject({ status: 'running', currentNodes: ['done'] })
            final = await engine.run()
          } else final = await (await elsewhere.load(engine.runId)).run({ approve: answer })
          const expected = {
            topic,
            draft: `Draft: ${topic}`,
            answer: { approved: answer.approved, note: answer.note },
          }
          expect(final.status).toBe('completed')
          expect(final.output).toEqual(expected)
          expect((await hp.load(engine.runId)).executionState.output).toEqual(expected)
          expect(await ledgerAnswer(store, engine.runId, 'approve')).toEqual(viaJson(answer))
        },
      ),
      runs(50),
    )
  }, 120_000)

  it('stores any answer exactly as delivered, or refuses it with a typed error and stores nothing', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    await fc.assert(
      fc.asyncProperty(hostileAnswer, async (answer) => {
        const engine = await hp.start('property-review', { topic: 'hostile' })
        await engine.run()
        const before = await storedRun(store, engine.runId)
        const result = await settle(() => engine.run({ approve: answer }))
        if (result.ok) {
          expect(result.value.status).toBe('completed')
          expect(viaJson(result.value.output)).toEqual({
            topic: 'hostile',
            draft: 'Draft: hostile',
            answer: viaJson({ approved: answer.approved, note: answer.note }),
          })
          expect(await ledgerAnswer(store, engine.runId, 'approve')).toEqual(viaJson(answer))
        } else {
          expectTypedError(result.error, ['NOT_SERIALIZABLE', 'INVALID_INPUT', 'PAYLOAD_TOO_LARGE'])
          expect(await storedRun(store, engine.runId)).toEqual(before)
          expect((await engine.run({ approve: clean })).status).toBe('completed')
        }
      }),
      runs<[Record<string, unknown>]>(60, [
        [{ approved: true, note: '\u0000' }],
        [{ approved: true, note: 'a\u0000b' }],
        [{ approved: false, note: '\ud800' }],
        [{ approved: false, note: 'ok', 'key\u0000': 1 }],
        [{ approved: true, note: 'ok', extra: { '\udfff': 1 } }],
        [withProtoMember(null, { approved: true, note: 'ok' }) as Record<string, unknown>],
        [
          withProtoMember({ polluted: true }, { approved: true, note: 'ok' }) as Record<
            string,
            unknown
          >,
        ],
      ]),
    )
  }, 120_000)

  it('takes the same answer again as a no-op and refuses a different one with ALREADY_ANSWERED', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    const pair = protoAnswer.chain((first) => fc.tuple(fc.constant(first), secondAnswer(first)))
    await fc.assert(
      fc.asyncProperty(pair, fc.constantFrom(...methods), async ([first, second], method) => {
        const engine = await hp.start('property-review', { topic: 'twice' })
        await engine.run()
        expect((await engine.run({ approve: first })).status).toBe('completed')
        const before = await storedRun(store, engine.runId)
        const result = await settle(() => engine[method]({ approve: second }))
        if (canonicalJson(second) === canonicalJson(first)) expect(result.ok).toBe(true)
        else {
          expect(result.ok).toBe(false)
          if (!result.ok) expectTypedError(result.error, ['ALREADY_ANSWERED'])
        }
        expect(await storedRun(store, engine.runId)).toEqual(before)
      }),
      runs<[[Record<string, unknown>, unknown], Method]>(40, [
        [
          [
            withProtoMember({}, { approved: true, note: 'x' }) as Record<string, unknown>,
            { approved: true, note: 'x', other: 1 },
          ],
          'run',
        ],
      ]),
    )
  }, 120_000)

  it('does not take a valid answer from a `__proto__` member', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows, store })
    await fc.assert(
      fc.asyncProperty(
        fc.record({ approved: fc.boolean(), note: storableString }),
        async (inherited) => {
          const engine = await hp.start('property-review', { topic: 'proto' })
          await engine.run()
          const before = await storedRun(store, engine.runId)
          // What JSON.parse makes of a request body: an own member named "__proto__".
          const answer = withProtoMember(inherited)
          const result = await settle(() => engine.run({ approve: answer }))
          expect(result.ok).toBe(false)
          if (!result.ok) expectTypedError(result.error, ['INVALID_INPUT'])
          expect(await storedRun(store, engine.runId)).toEqual(before)
        },
      ),
      runs(20),
    )
  }, 60_000)
})
