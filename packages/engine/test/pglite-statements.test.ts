import { PGlite } from '@electric-sql/pglite'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createHoldpoint } from '../src/index.js'
import { pgliteStore } from '../src/pglite.js'
import { dollarQuoted } from '../src/store/pglite-statements.js'
import { approval } from './fixtures/approval.js'

describe('prepared statements on PGlite', () => {
  const pglite = new PGlite('memory://')
  afterAll(() => pglite.close())

  it('quotes any text so that PGlite reads it back unchanged', async () => {
    for (const text of ['', 'x$hp', '$hp$', 'a$hp_$b$hp__', "it's", '$$', '\\n', '{"a":"$hp"}']) {
      const { rows } = await pglite.query<{ v: string }>(`SELECT ${dollarQuoted(text)} AS v`)
      expect(rows[0]?.v).toBe(text)
    }
  })

  it('prepares again when its statements were deallocated behind its back', async () => {
    const store = pgliteStore({ pglite })
    const hp = createHoldpoint({ workflows: [approval], store })
    const engine = await hp.start('approval', { topic: 'deallocated' })
    await engine.run()
    await sql`DEALLOCATE ALL`.execute(store.db)
    await engine.run({ approve: { approved: true, note: 'ok' } })
    expect(engine.executionState.status).toBe('completed')
    expect((await store.loadRun(engine.runId))?.status).toBe('completed')
    await hp.close()
  })
})
