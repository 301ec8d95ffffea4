import { describe, expect, it } from 'vitest'
import { createHoldpoint } from '../src/index.js'
import { storeKinds, useStores } from '../../../test/setup/stores.js'
import { approval } from './fixtures/approval.js'

describe.each(storeKinds)('engine.step (%s)', (kind) => {
  const stores = useStores()

  it('advances at most one node per call and checkpoints each', async () => {
    const store = await stores.open(kind)
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'steps' })

    await engine.step()
    expect(engine.executionState).toMatchObject({ status: 'running', currentNodes: ['review'] })
    expect((await store.loadRun(engine.runId))?.nodeId).toBe('review')

    await engine.step()
    expect(engine.executionState.status).toBe('waiting_for_input')

    await engine.step({ approve: { approved: true, note: 'ok' } })
    expect(engine.executionState).toMatchObject({ status: 'running', currentNodes: ['publish'] })

    await engine.step()
    expect(engine.executionState.status).toBe('completed')
  })
})
