import { spawn } from 'node:child_process'
import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb, until } from './common.js'

let attempts = 0
const flaky = defineWorkflow({
  id: 'flaky', version: 1, start: 'call',
  nodes: {
    call: {
      retry: { maxAttempts: 3, backoff: { initialMs: 2000 }, jitter: 0 },
      run: () => { attempts++; if (attempts < 3) throw new Error('503'); return 'ok' },
    },
  },
})
const quick = defineWorkflow({ id: 'quick', version: 1, start: 'a', nodes: { a: () => 'quick' } })
const timeout = defineWorkflow({
  id: 'timeout', version: 1, start: 'a',
  nodes: { a: { retry: { maxAttempts: 5, backoff: { initialMs: 1 } }, run: async ({ requestInput }) => { attempts++; return requestInput({ id: 'x', timeoutMs: 0 }) } } },
})
const crashy = defineWorkflow({
  id: 'crashy', version: 1, start: 'a',
  nodes: { a: { retry: { maxAttempts: 4, backoff: { initialMs: 60_000 }, jitter: 0 }, run: ({ }) => { if (process.argv[2] === 'child') throw new Error('boom'); return 'recovered' } } },
})
const workflows = [flaky, quick, timeout, crashy]
if (process.argv[2] === 'child') {
  const hp = createHoldpoint({ workflows, store: postgresStore({ connectionString: process.argv[3]! }), leaseMs: 1500 })
  const e = await hp.start('crashy', undefined)
  console.log(e.runId)
  await e.run() // fails, then waits 60 s in backoff holding the lease
} else {
  const url = await freshDb('hp_ops_retry')
  const hp = createHoldpoint({ workflows, store: postgresStore({ connectionString: url }) })
  const w = hp.worker({ concurrency: 1, pollMs: 50 })
  const f = await hp.start('flaky', undefined, { background: true })
  await new Promise((r) => setTimeout(r, 300))
  const t = Date.now()
  const q = await hp.start('quick', undefined, { background: true })
  await until(async () => (await hp.load(q.runId)).executionState.status === 'completed')
  console.log('concurrency 1: quick run waited', Date.now() - t, 'ms behind a node in backoff')
  await until(async () => (await hp.load(f.runId)).executionState.status === 'completed')
  const ev = []
  for await (const e of (await hp.load(f.runId)).events()) ev.push([e.type, e.data])
  console.log(JSON.stringify(ev))
  attempts = 0
  const to = await hp.start('timeout', undefined)
  await to.run(); await new Promise((r) => setTimeout(r, 20)); await to.run()
  console.log('INPUT_TIMEOUT out of node:', to.executionState.status, to.executionState.error?.code, 'attempts', attempts)
  await w.stop()
  // crash during backoff
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'child', url], { stdio: ['ignore', 'pipe', 'inherit'] })
  let runId = ''
  child.stdout.on('data', (d) => (runId += String(d).trim()))
  const store = await hp.store()
  await until(async () => runId.length > 0 && ((await store.loadRun(runId))?.position.attempt ?? 1) === 2)
  const row = await store.loadRun(runId)
  console.log('in backoff:', row?.status, 'lease owner set', row?.lease !== null, 'attempt', row?.position.attempt)
  child.kill('SIGKILL')
  const killed = Date.now()
  const w2 = hp.worker({ pollMs: 50 })
  await until(async () => (await hp.load(runId)).executionState.status === 'completed')
  const ev2 = []
  for await (const e of (await hp.load(runId)).events()) ev2.push([e.type, e.data])
  console.log('after crash in backoff: completed', Date.now() - killed, 'ms after kill', JSON.stringify(ev2))
  await w2.stop(); await hp.close()
}
