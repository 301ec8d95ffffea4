import { describe, expect, it } from 'vitest'
import { createHoldpoint, defineWorkflow, HoldpointError } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'

const v1 = defineWorkflow({
  id: 'greet',
  version: 1,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) => `v1 says hi to ${String(await requestInput({ id: 'name' }))}`,
  },
})
const v2 = defineWorkflow({
  id: 'greet',
  version: 2,
  start: 'ask',
  nodes: {
    ask: async ({ requestInput }) => `v2 greets ${String(await requestInput({ id: 'who' }))}`,
  },
})

describe.each(storeKinds)('workflow versions (%s)', (kind) => {
  const stores = useStores()

  it('records the version and refuses to load a run whose version is not registered', async () => {
    const store = await stores.open(kind)
    const engine = await createHoldpoint({ workflows: [v1], store }).start('greet', undefined)
    await engine.run()
    expect(engine.executionState.version).toBe(1)

    const upgraded = createHoldpoint({ workflows: [v2], store })
    const error = await upgraded.load(engine.runId).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'VERSION_MISMATCH')).toBe(true)
    expect(error).toMatchObject({ workflowId: 'greet', version: 1, registered: [2] })
    expect((error as Error).message).toContain('Register version 1')
  })

  it('runs old and new versions side by side', async () => {
    const store = await stores.open(kind)
    const old = await createHoldpoint({ workflows: [v1], store }).start('greet', undefined)
    await old.run()

    const both = createHoldpoint({ workflows: [v1, v2], store })
    const fresh = await both.start('greet', undefined)
    expect(fresh.executionState.version).toBe(2)
    await fresh.run()
    const pinned = await both.start('greet', undefined, { version: 1 })
    expect(pinned.executionState.version).toBe(1)

    await (await both.load(old.runId)).run({ name: 'Ada' })
    await fresh.run({ who: 'Grace' })
    expect((await both.load(old.runId)).executionState.output).toBe('v1 says hi to Ada')
    expect(fresh.executionState.output).toBe('v2 greets Grace')
  })

  it('refuses to start a version that is not registered', async () => {
    const hp = createHoldpoint({ workflows: [v1, v2], store: await stores.open(kind) })
    const error = await hp.start('greet', undefined, { version: 3 }).catch((e: unknown) => e)
    expect(HoldpointError.is(error, 'VERSION_MISMATCH')).toBe(true)
  })
})

describe('registering workflows', () => {
  it('refuses the same version twice and things that are not workflows', () => {
    expect(() => createHoldpoint({ workflows: [v1, v1] })).toThrow(/registered twice/)
    expect(() => createHoldpoint({ workflows: [{ id: 'x' } as never] })).toThrow(/defineWorkflow/)
  })
})
