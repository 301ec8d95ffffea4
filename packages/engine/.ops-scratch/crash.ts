import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb, until } from './common.js'

const log = '/tmp/hp-ops-crash.log'
const wf = defineWorkflow({
  id: 'crashy', version: 1, start: 'work',
  nodes: {
    work: async ({ step }) => {
      await step('effect', () => { appendFileSync(log, `effect ${process.pid}\n`); return 1 })
      appendFileSync(log, `body ${process.pid}\n`)
      if (process.argv[2] === 'child') await new Promise((r) => setTimeout(r, 600_000))
      return 'done'
    },
  },
})
const url = process.argv[3] ?? (await freshDb('hp_ops_crash'))
const leaseMs = 3000
if (process.argv[2] === 'child') {
  const hp = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url }), leaseMs })
  const e = await hp.start('crashy', undefined)
  console.log(e.runId)
  await e.run()
} else {
  writeFileSync(log, '')
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'child', url], { stdio: ['ignore', 'pipe', 'inherit'] })
  let runId = ''
  child.stdout.on('data', (d) => (runId += String(d).trim()))
  await until(async () => readFileSync(log, 'utf8').includes('body'))
  child.kill('SIGKILL')
  const killedAt = Date.now()
  const hp = createHoldpoint({ workflows: [wf], store: postgresStore({ connectionString: url }), leaseMs })
  const worker = hp.worker({ pollMs: 100 })
  await until(async () => (await hp.load(runId)).executionState.status === 'completed')
  console.log('takeover completed', Date.now() - killedAt, 'ms after SIGKILL; leaseMs', leaseMs)
  console.log(readFileSync(log, 'utf8'))
  await worker.stop(); await hp.close()
}
