import pg from 'pg'
import { z } from 'zod'
import { createHoldpoint, defineWorkflow } from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { freshDb } from './common.js'
const approval = defineWorkflow({
  id: 'approval', version: 1, input: z.object({ topic: z.string() }),
  state: z.object({ draft: z.string().default(''), note: z.string().default('') }),
  start: 'draft',
  nodes: {
    draft: async ({ input, state }) => { state.draft = `Draft for ${input.topic}` },
    review: async ({ state, requestInput }) => {
      const answer = await requestInput({ id: 'approve', prompt: state.draft, schema: z.object({ approved: z.boolean(), note: z.string() }) })
      state.note = answer.note
      return answer
    },
    publish: async ({ state }) => ({ status: 'approved', draft: state.draft, note: state.note }),
  },
  edges: [{ from: 'draft', to: 'review' }, { from: 'review', to: 'publish', when: ({ output }) => output.review.approved }, { from: 'review', to: 'draft' }],
})
const url = await freshDb('hp_ops_writes')
const a = createHoldpoint({ workflows: [approval], store: postgresStore({ connectionString: url }) })
const e = await a.start('approval', { topic: 'x' }); await e.run(); await a.close()
const b = createHoldpoint({ workflows: [approval], store: postgresStore({ connectionString: url }) })
const e2 = await b.load(e.runId); await e2.run({ approve: { approved: true, note: 'ok' } })
const c = new pg.Client({ connectionString: url }); await c.connect()
const r = await c.query(`SELECT row_version, lease_owner, lease_until, wake_at, (SELECT count(*) FROM holdpoint.events WHERE run_id = r.id) AS events, (SELECT count(*) FROM holdpoint.requests WHERE run_id = r.id) AS requests FROM holdpoint.runs r`)
console.log(e2.executionState.status, r.rows[0])
await c.end(); await b.close()
