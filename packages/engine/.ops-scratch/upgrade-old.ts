// Old code (schema version 1): a run with a request deadline, and a run left running by a "crash".
import { createHoldpoint, defineWorkflow } from './old/packages/engine/src/index.js'
import { postgresStore } from './old/packages/engine/src/postgres.js'
import { LATEST_SCHEMA_VERSION } from './old/packages/engine/src/store/migrations/index.js'
import { wfs } from './upgrade-wfs.js'
const workflows = wfs(defineWorkflow)
const hp = createHoldpoint({ workflows, store: postgresStore({ connectionString: process.argv[2]! }) })
const waiting = await hp.start('deadline', undefined)
await waiting.run()
const stranded = await hp.start('plain', undefined) // started, never run: as a crash leaves it
console.log(JSON.stringify({ schema: LATEST_SCHEMA_VERSION, waiting: waiting.runId, waitingStatus: waiting.executionState.status, stranded: stranded.runId }))
await hp.close()
