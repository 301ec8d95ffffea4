import { createHoldpoint, defineWorkflow, HoldpointError, node, WorkflowStatus } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { PGlite } from '@electric-sql/pglite'
import { setup } from 'xstate'
import { z } from 'zod'

const log: string[] = []
const pg = new PGlite('memory://')
const mk = (workflows: any[], now?: () => Date) =>
  createHoldpoint({ workflows, store: pgliteStore({ pglite: pg }), ...(now ? { now } : {}) } as any)

async function expectErr(label: string, p: Promise<unknown>) {
  try { await p; console.log(label, 'NO ERROR') } catch (e: any) { console.log(label, '->', e.code, e.constructor.name, '|', e.message, e.issues ? JSON.stringify(e.issues) : '', e.awaiting ?? '') }
}

// 1. same-process vs replay, isReplaying, step
const wf = defineWorkflow({
  id: 'wf', version: 1, start: 'a',
  state: z.object({ n: z.number().default(0) }),
  nodes: {
    a: async (ctx) => {
      ctx.state.n += 1
      log.push(`before replaying=${ctx.isReplaying} n=${ctx.state.n}`)
      const s = await ctx.step('effect', () => { log.push('EFFECT'); return 42 })
      const x = await ctx.requestInput({ prompt: 'x?' })
      log.push(`after replaying=${ctx.isReplaying} s=${s}`)
      const y = await ctx.requestInput({ prompt: 'y?' })
      return { x, y }
    },
  },
})
{
  const hp = mk([wf])
  const e = await hp.start('wf', undefined)
  await e.run()
  console.log('1 paused', e.executionState.status, e.executionState.awaitingInput.map((r: any) => r.requestId), 'state', e.executionState.state)
  const st = await (await hp.store()).loadRun(e.runId)
  console.log('1 stored state at pause', st?.state)
  await e.run({ a: 'one' })
  console.log('1 same-process log', log.splice(0))
  console.log('1 awaiting', e.executionState.awaitingInput.map((r: any) => r.requestId))
  const hp2 = mk([wf])
  const e2 = await hp2.load(e.runId)
  console.log('1 load same hp returns same engine?', (await hp.load(e.runId)) === e)
  await e2.run({ 'a#2': 'two' })
  console.log('1 replay log', log.splice(0), e2.executionState.status, e2.executionState.output, e2.executionState.state)
  // idempotent duplicate
  const again = await e2.run({ 'a#2': 'two' })
  console.log('1 duplicate delivery ok', again.status)
  await expectErr('1 different answer', e2.run({ 'a#2': 'three' }))
  await expectErr('1 unknown on completed', e2.run({ nope: 1 }))
}

// 2. validation errors, unknown request, nothing stored
const ap = defineWorkflow({
  id: 'ap', version: 1, start: 'review',
  nodes: {
    review: async ({ requestInput }) => requestInput({ id: 'approve', schema: z.object({ approved: z.boolean() }) }),
  },
})
{
  const hp = mk([ap])
  const e = await hp.start('ap', undefined)
  await e.run()
  const before = await (await hp.store()).loadRun(e.runId)
  await expectErr('2 unknown', e.run({ aprove: { approved: true } }))
  await expectErr('2 invalid', e.run({ approve: { approved: 'yes' } }))
  await expectErr('2 not-object', e.run('x' as any))
  const after = await (await hp.store()).loadRun(e.runId)
  console.log('2 row version unchanged', before?.rowVersion, after?.rowVersion, after?.status)
  console.log('2 schema', JSON.stringify(e.executionState.awaitingInput[0]?.schema))
  await expectErr('2 run not found', hp.load('00000000-0000-7000-8000-000000000000'))
  await expectErr('2 run not found bad id', hp.load('abc'))
  await expectErr('2 workflow not found', hp.start('zzz' as any, undefined))
}

// 3. version mismatch
const v1 = defineWorkflow({ id: 'ver', version: 1, start: 'a', nodes: { a: async ({ requestInput }) => requestInput() } })
const v2 = defineWorkflow({ id: 'ver', version: 2, start: 'a', nodes: { a: async ({ requestInput }) => ({ v2: await requestInput() }) } })
{
  const hp1 = mk([v1])
  const e = await hp1.start('ver', undefined)
  await e.run()
  await expectErr('3 load on v2-only', mk([v2]).load(e.runId))
  const both = mk([v1, v2])
  const r = await (await both.load(e.runId)).run({ a: 'x' })
  console.log('3 both registered', r.version, r.output)
  const n = await both.start('ver', undefined)
  console.log('3 new run version', n.executionState.version)
  const o = await both.start('ver', undefined, { version: 1 })
  console.log('3 explicit version', o.executionState.version)
  await expectErr('3 start version 3', both.start('ver', undefined, { version: 3 }))
}

// 4. nondeterminism
let flip = false
const nd = defineWorkflow({ id: 'nd', version: 1, start: 'a', nodes: {
  a: async ({ requestInput }) => { if (flip) await requestInput({ id: 'other' }); return requestInput({ id: 'x' }) } } })
{
  const e = await mk([nd]).start('nd', undefined)
  await e.run()
  flip = true
  const r = await (await mk([nd]).load(e.runId)).run({ x: 1 }).catch((err) => err)
  console.log('4 nondeterminism', r.status ?? r.code, r.error)
}

// 5. loops, visit, edges, Promise.all
const loop = defineWorkflow({ id: 'loop', version: 1, start: 'review',
  state: z.object({ rounds: z.number().default(0) }),
  nodes: {
    review: async ({ state, requestInput, node }) => { state.rounds++; const [a, b] = await Promise.all([requestInput({ id: 'a' }), requestInput({ id: 'b' })]); return { a, b, visit: node.visit } },
  },
  edges: [{ from: 'review', to: 'review', when: ({ output }: any) => output.review.a !== 'stop' }],
})
{
  const hp = mk([loop])
  const e = await hp.start('loop', undefined)
  await e.run()
  console.log('5 awaiting both', e.executionState.awaitingInput.map((r: any) => r.requestId))
  const s1 = await e.run({ a: 'go' })
  console.log('5 one of two', s1.status, s1.awaitingInput.map((r: any) => r.requestId))
  await e.run({ b: 1 })
  console.log('5 visit2', e.executionState.awaitingInput.map((r: any) => `${r.requestId}@${r.visit}`), e.executionState.state)
  await e.run({ a: 'stop', b: 2 })
  console.log('5 done', e.executionState.status, e.executionState.output)
  await expectErr('5 answer old visit again same', e.run({ a: 'stop' }))
  await expectErr('5 answer old visit different', e.run({ a: 'zzz' }))
}

// 6. step(): at most one node
{
  const three = defineWorkflow({ id: 'three', version: 1, start: 'a', nodes: { a: () => 1, b: () => 2, c: () => 3 },
    edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] })
  const e = await mk([three]).start('three', undefined)
  const s = await e.step()
  console.log('6 after step', s.status, s.currentNodes)
  await e.step(); const f = await e.step()
  console.log('6 final', f.status, f.output, f.currentNodes)
}

// 7. fail + retry (no retry policy)
let attempts = 0
const flaky = defineWorkflow({ id: 'flaky', version: 1, start: 'a', nodes: { a: async () => { attempts++; if (attempts < 2) throw new Error('boom'); return 'ok' } } })
{
  const e = await mk([flaky]).start('flaky', undefined)
  const r = await e.run()
  console.log('7 failed', r.status, r.error?.message, 'attempts', attempts)
  const ok = await e.retry()
  console.log('7 retried', ok.status, ok.output, attempts)
  await expectErr('7 retry non-failed', e.retry())
  await expectErr('7 run on completed (no input)', e.run().then((s) => { console.log('   run() on completed returned', s.status) }))
}

// 8. cancel
{
  let aborted = false
  const c = defineWorkflow({ id: 'c', version: 1, start: 'a', nodes: { a: async ({ requestInput, signal }) => { signal.addEventListener('abort', () => { aborted = true }); return requestInput() } } })
  const hp = mk([c])
  const e = await hp.start('c', undefined)
  await e.run()
  const s = await e.cancel('no longer needed')
  console.log('8 cancel', s.status, s.awaitingInput, 'aborted', aborted)
  await expectErr('8 deliver after cancel', e.run({ a: 1 }))
  const other = await mk([c]).load(e.runId)
  await expectErr('8 deliver after cancel other', other.run({ a: 1 }))
  console.log('8 events', (await collect(e.events())).map((x: any) => x.type))
  console.log('8 list cancelled', (await hp.list({ status: 'cancelled' })).length)
}

// 9. deadlines with a fake clock
{
  let t = new Date('2030-01-01T00:00:00Z')
  const now = () => t
  const d = defineWorkflow({ id: 'd', version: 1, start: 'a', nodes: {
    a: async ({ requestInput }) => {
      const withDefault = await requestInput({ id: 'soft', timeoutMs: 60_000, default: 'fallback' })
      let hard: unknown
      try { hard = await requestInput({ id: 'hard', timeoutMs: 60_000 }) } catch (e: any) { hard = `caught ${e.code}` }
      return { withDefault, hard }
    } } })
  const e = await mk([d], now).start('d', undefined)
  await e.run()
  console.log('9 expiresAt', e.executionState.awaitingInput.map((r: any) => [r.requestId, r.expiresAt?.toISOString(), r.default]))
  t = new Date('2030-01-01T00:02:00Z')
  const hp2 = mk([d], now)
  console.log('9 list before firing', (await hp2.list({ status: 'waiting_for_input' })).filter((r: any) => r.runId === e.runId).map((r: any) => r.awaitingInput.map((q: any) => q.requestId)))
  const other = await hp2.load(e.runId)
  const s = await other.run()
  console.log('9 after deadline run()', s.status, s.awaitingInput.map((r: any) => [r.requestId, r.expiresAt?.toISOString()]))
  t = new Date('2030-01-01T00:04:00Z')
  const f = await other.run()
  console.log('9 after second deadline', f.status, JSON.stringify(f.output))
  console.log('9 events', (await collect(other.events())).map((x: any) => x.type + JSON.stringify(x.data)))
  await expectErr('9 answer expired', other.run({ soft: 'late' }))
}
// 9b. answer arriving after deadline but before run()
{
  let t = new Date('2030-01-01T00:00:00Z')
  const d = defineWorkflow({ id: 'd2', version: 1, start: 'a', nodes: { a: async ({ requestInput }) => requestInput({ id: 'q', timeoutMs: 1000, default: 'def' }) } })
  const hp = mk([d], () => t)
  const e = await hp.start('d2', undefined)
  await e.run()
  t = new Date('2030-01-02T00:00:00Z')
  const s = await e.run({ q: 'human' })
  console.log('9b late answer wins?', s.status, s.output)
}

// 10. hand-built machine
{
  const machine = setup({
    actors: {
      ask: node(async (ctx) => ctx.requestInput({ id: 'go', inputType: 'confirm' })),
      finish: node(async (ctx) => ({ answered: ctx.output['ask'] })),
    },
  }).createMachine({
    id: 'hand',
    initial: 'ask',
    states: {
      ask: { invoke: { id: 'ask', src: 'ask', onDone: 'finish' } },
      finish: { invoke: { id: 'finish', src: 'finish', onDone: 'done' } },
      done: { type: 'final' },
    },
  })
  const hand = defineWorkflow({ id: 'hand', version: 1, machine })
  console.log('10 nodeIds', hand.nodeIds)
  const e = await mk([hand]).start('hand', undefined)
  await e.run()
  const s = await e.run({ go: true })
  console.log('10 done', s.status, s.output)
}

// 11. pause does not persist half-run state; state invalid
{
  const bad = defineWorkflow({ id: 'bad', version: 1, start: 'a', state: z.object({ n: z.number().default(0) }), nodes: { a: ({ state }) => { (state as any).n = 'x' } } })
  const r = await (await mk([bad]).start('bad', undefined)).run()
  console.log('11 invalid state', r.status, r.error)
  const ns = defineWorkflow({ id: 'ns', version: 1, start: 'a', nodes: { a: () => new Map() } })
  const r2 = await (await mk([ns]).start('ns', undefined)).run()
  console.log('11 not serializable output', r2.status, r2.error)
  const sk = defineWorkflow({ id: 'sk', version: 1, start: 'a', nodes: { a: async ({ step }) => { await step('k', () => 1); await step('k', () => 2) } } })
  const r3 = await (await mk([sk]).start('sk', undefined)).run()
  console.log('11 step key reused', r3.status, r3.error?.code)
  const dup = defineWorkflow({ id: 'dup', version: 1, start: 'a', nodes: { a: async ({ requestInput }) => { await Promise.all([requestInput({ id: 'k' }), requestInput({ id: 'k' })]) } } })
  const r4 = await (await mk([dup]).start('dup', undefined)).run()
  console.log('11 duplicate request id', r4.status, r4.error?.code)
  await expectErr('11 invalid start input', mk([ap]).start('ap', undefined).then(() => mk([defineWorkflow({ id: 'in', version: 1, input: z.object({ a: z.string() }), start: 'a', nodes: { a: () => 1 } })]).start('in', { a: 1 } as any)))
}

// 12. concurrent deliveries via two Holdpoints
{
  const hpA = mk([ap]); const hpB = mk([ap])
  const e = await hpA.start('ap', undefined)
  await e.run()
  const a = await hpA.load(e.runId); const b = await hpB.load(e.runId)
  const res = await Promise.allSettled([a.run({ approve: { approved: true } }), b.run({ approve: { approved: true } })])
  console.log('12 same answer twice concurrently', res.map((r: any) => r.status === 'fulfilled' ? r.value.status : r.reason.code))
  const e2 = await hpA.start('ap', undefined)
  await e2.run()
  const a2 = await hpA.load(e2.runId); const b2 = await hpB.load(e2.runId)
  const res2 = await Promise.allSettled([a2.run({ approve: { approved: true } }), b2.run({ approve: { approved: false } })])
  console.log('12 different answers concurrently', res2.map((r: any) => r.status === 'fulfilled' ? r.value.status + JSON.stringify(r.value.output) : r.reason.code))
}
console.log('statuses', WorkflowStatus, HoldpointError.name)
async function collect<T>(it: AsyncIterable<T>) { const out: T[] = []; for await (const x of it) out.push(x); return out }
await pg.close()
