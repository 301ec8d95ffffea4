import { describe, expect, it } from 'vitest'
import {
  createHoldpoint,
  HoldpointError,
  InvalidInputError,
  type WorkflowEngine,
} from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'
import { storedRun } from './fixtures/snapshot.js'

describe.each(storeKinds)('delivery is validated before anything is stored (%s)', (kind) => {
  const stores = useStores()

  async function waitingRun(): Promise<{ engine: WorkflowEngine; before: unknown }> {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'validation' })
    await engine.run()
    return { engine, before: await storedRun(store, engine.runId) }
  }

  async function expectUnchanged(engine: WorkflowEngine, before: unknown): Promise<void> {
    expect(await storedRun(await stores.open(kind), engine.runId)).toEqual(before)
    expect(engine.executionState.status).toBe('waiting_for_input')
  }

  it('rejects an unknown request id and lists the awaited ones', async () => {
    const { engine, before } = await waitingRun()
    const error = await engine
      .run({ aprove: { approved: true, note: 'typo' } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'UNKNOWN_REQUEST')).toBe(true)
    expect(error).toMatchObject({ requestIds: ['aprove'], awaiting: ['approve'] })
    await expectUnchanged(engine, before)
  })

  it('rejects request ids no database can hold as unknown, in a fresh process too', async () => {
    const { engine, before } = await waitingRun()
    const other = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    for (const id of ['\udc00', '\u0080\udc00', 'a\ud800', 'nul\u0000']) {
      for (const target of [engine, await other.load(engine.runId)]) {
        const error = await target.run({ [id]: {} }).catch((e: unknown) => e)
        expect(HoldpointError.is(error, 'UNKNOWN_REQUEST')).toBe(true)
      }
    }
    expect(await other.list({ workflow: '\udc00' })).toEqual([])
    await expectUnchanged(engine, before)
  })

  it('rejects an answer that fails the schema, with the zod issues', async () => {
    const { engine, before } = await waitingRun()
    const error = await engine.run({ approve: { approved: 'yes' } }).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'INVALID_INPUT')).toBe(true)
    expect(error).toMatchObject({
      issues: [
        { requestId: 'approve', path: ['approved'] },
        { requestId: 'approve', path: ['note'] },
      ],
    })
    await expectUnchanged(engine, before)
    // The paused node is still there and takes a valid answer.
    await engine.run({ approve: { approved: true, note: 'fixed' } })
    expect(engine.executionState.status).toBe('completed')
  })

  it('rejects the whole delivery when one of several answers is bad', async () => {
    const { engine, before } = await waitingRun()
    const error = await engine
      .run({ approve: { approved: true, note: 'ok' }, other: 1 })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'UNKNOWN_REQUEST')).toBe(true)
    await expectUnchanged(engine, before)
  })

  it('rejects input that is not an object keyed by request id, or not JSON', async () => {
    const { engine, before } = await waitingRun()
    for (const bad of [[1, 2], 'approve', 42]) {
      const error = await engine.run(bad as never).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'INVALID_INPUT')).toBe(true)
    }
    const cyclic: Record<string, unknown> = { approved: true }
    cyclic.self = cyclic
    for (const answer of [
      { approved: true, note: () => 1 },
      cyclic,
      { n: 10n },
      { d: Number.NaN },
    ]) {
      const error = await engine.run({ approve: answer }).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'NOT_SERIALIZABLE')).toBe(true)
    }
    await expectUnchanged(engine, before)
  })

  it('rejects the same bad answer on a replaying engine too', async () => {
    const { engine, before } = await waitingRun()
    const other = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const fresh = await other.load(engine.runId)
    const error = await fresh.run({ approve: { approved: 1, note: 'x' } }).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'INVALID_INPUT')).toBe(true)
    await expectUnchanged(engine, before)
  })

  it('refuses input for a run that is not waiting', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'early' })
    const error = await engine
      .run({ approve: { approved: true, note: 'too soon' } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'RUN_NOT_WAITING')).toBe(true)
    expect(error).toMatchObject({ status: 'running' })
  })

  it('validates the run input at start and stores nothing when it is bad', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const before = (await hp.list()).length
    const error = await hp.start('approval', { topic: 7 } as never).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'INVALID_INPUT')).toBe(true)
    expect(error).toMatchObject({ issues: [{ path: ['input', 'topic'] }] })
    expect(await hp.list()).toHaveLength(before)
  })

  it('refuses unknown workflows and unknown runs with typed errors', async () => {
    const hp = createHoldpoint({ workflows: [approval], store: await stores.open(kind) })
    const missing = await hp.start('nope' as never, {} as never).catch((e: unknown) => e)
    expect(HoldpointError.is(missing, 'WORKFLOW_NOT_FOUND')).toBe(true)
    for (const id of [
      '0190f4c2-0000-7000-8000-000000000000',
      'not-a-uuid',
      "'; DROP TABLE x; --",
    ]) {
      const error = await hp.load(id).catch((e: unknown) => e)
      expect(HoldpointError.is(error, 'RUN_NOT_FOUND')).toBe(true)
    }
  })
})

describe('HoldpointError.is', () => {
  it('narrows to the class of the code', () => {
    const error: unknown = new InvalidInputError([{ requestId: 'a', path: ['x'], message: 'bad' }])
    if (!HoldpointError.is(error, 'INVALID_INPUT')) throw new Error('expected a match')
    expect(error.issues[0]?.path).toEqual(['x'])
    expect(HoldpointError.is(error, 'UNKNOWN_REQUEST')).toBe(false)
    expect(HoldpointError.is(new Error('plain'))).toBe(false)
  })
})

describe.each(storeKinds)('payload limits (%s)', (kind) => {
  const stores = useStores()

  it('refuses oversized inputs, answers and too many answers, and stores nothing', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({
      workflows: [approval],
      store,
      limits: { inputBytes: 100, answerBytes: 64, answersPerDelivery: 2 },
    })
    const big = await hp.start('approval', { topic: 'x'.repeat(200) }).catch((e: unknown) => e)
    expect(HoldpointError.is(big, 'PAYLOAD_TOO_LARGE')).toBe(true)
    expect(big).toMatchObject({ what: 'The run input', limit: 100 })

    const engine = await hp.start('approval', { topic: 'limits' })
    await engine.run()
    const before = await storedRun(store, engine.runId)
    const long = await engine
      .run({ approve: { approved: true, note: 'n'.repeat(100) } })
      .catch((e: unknown) => e)
    expect(HoldpointError.is(long, 'PAYLOAD_TOO_LARGE')).toBe(true)
    const many = await engine.run({ a: 1, b: 2, c: 3 }).catch((e: unknown) => e)
    expect(HoldpointError.is(many, 'INVALID_INPUT')).toBe(true)
    expect(await storedRun(store, engine.runId)).toEqual(before)
  })

  it('refuses limits that are not positive integers', () => {
    expect(() => createHoldpoint({ workflows: [approval], limits: { answerBytes: 0 } })).toThrow(
      /positive integer/,
    )
  })
})
