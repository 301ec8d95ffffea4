import { describe, expect, it } from 'vitest'
import { defineWorkflow } from '../src/index.js'
import { createTestHoldpoint, drive } from '../src/testing.js'
import { approval } from './fixtures/approval.js'

describe('holdpoint/testing', () => {
  it('drives a run through a loop with scripted answers', async () => {
    const { hp } = createTestHoldpoint({ workflows: [approval] })
    const engine = await hp.start('approval', { topic: 'testing' })
    const state = await drive(engine, {
      approve: [
        { approved: false, note: 'redo' },
        { approved: true, note: 'ok' },
      ],
    })
    expect(state).toMatchObject({ status: 'completed', output: { note: 'ok' } })
    const other = await hp.start('approval', { topic: 'fn' })
    const byFunction = await drive(other, (request) => ({
      approved: true,
      note: request.requestId,
    }))
    expect(byFunction.output).toMatchObject({ note: 'approve' })
    await expect(drive(await hp.start('approval', { topic: 'x' }), {})).rejects.toThrow(
      /no answer for request "approve"/,
    )
    await hp.close()
  })

  it('moves time only when told to', async () => {
    const timed = defineWorkflow({
      id: 'timed',
      version: 1,
      start: 'ask',
      nodes: { ask: ({ requestInput }) => requestInput({ timeoutMs: 1000, default: 'late' }) },
    })
    const { hp, clock } = createTestHoldpoint({ workflows: [timed] })
    const engine = await hp.start('timed', undefined)
    await engine.run()
    expect(engine.executionState.awaitingInput[0]?.expiresAt?.toISOString()).toBe(
      '2026-01-01T00:00:01.000Z',
    )
    clock.advance(1000)
    expect((await engine.run()).output).toBe('late')
    await hp.close()
  })
})
