import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { reportLines } from '../src/report.js'
import { createEmptyDatabase } from '../../../test/setup/database.js'
import { CeilingUsageError, parseCeilingArgs } from '../src/ceiling-args.js'
import { prepareCeilingTables } from '../src/ceiling-tables.js'
import { findPgbench, parseTransactionLog } from '../src/pgbench.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const ceiling = fileURLToPath(new URL('../src/ceiling.ts', import.meta.url))
const lScript = fileURLToPath(new URL('../pgbench/l.sql', import.meta.url))

/** The pgbench binary, or undefined where it is not installed: those tests are skipped there. */
const pgbench = await findPgbench().catch(() => undefined)

describe('pnpm bench:ceiling arguments', () => {
  it('runs every phase by default, and only the ones --phases names', () => {
    expect(parseCeilingArgs([])).toEqual({
      clients: [1, 8, 32],
      seconds: 10,
      phases: ['A', 'B', 'L'],
    })
    expect(parseCeilingArgs(['--phases', 'l', '--seconds', '5'])).toEqual({
      clients: [1, 8, 32],
      seconds: 5,
      phases: ['L'],
    })
    // Phases run in their own order, whatever the order asked.
    expect(parseCeilingArgs(['--phases=L,A']).phases).toEqual(['A', 'L'])
  })

  it('refuses what it cannot run with the usage text', () => {
    const bad = [
      ['--phases', 'A,S'],
      ['--phases', ''],
      ['--seconds', '2.5'],
      ['--seconds', '0'],
      ['--clients', '1,x'],
      ['--rows', '5'],
    ]
    for (const argv of bad) {
      expect(() => parseCeilingArgs(argv), argv.join(' ')).toThrow(CeilingUsageError)
    }
    expect(() => parseCeilingArgs(['--phases', 'A,S'])).toThrow(
      /unknown phase "S"\n\nUsage: pnpm bench:ceiling/,
    )
  })
})

describe("pgbench's transaction log", () => {
  it('gives each script execution its latency in milliseconds', () => {
    const log = '0 0 1520 0 1763745000 123456\n0 1 2048 0 1763745000 125600\n'
    expect(parseTransactionLog(log)).toEqual([1.52, 2.048])
    expect(parseTransactionLog('')).toEqual([])
  })

  it('refuses a line without a latency, such as a skipped execution', () => {
    expect(() => parseTransactionLog('0 7 skipped 0 1763745000 123456\n')).toThrow(
      /Unexpected line in pgbench's transaction log: 0 7 skipped/,
    )
  })
})

describe.skipIf(pgbench === undefined)('phase L of the ceiling', () => {
  it('commits one resume per script: the answer, then each node with its history row', async () => {
    const database = await createEmptyDatabase()
    try {
      await prepareCeilingTables(database.url)
      // Prepared, as ceiling.ts runs it: there pgbench reads every `:name` as a variable.
      const args = ['-n', '-M', 'prepared', '-t', '3', '-f', lScript, database.url]
      await promisify(execFile)(pgbench as string, args)
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      try {
        const resumed = await client.query<{ status: string; version: number; answered: boolean }>(
          `SELECT r.status, r.version, q.answer IS NOT NULL AS answered, r.output
           FROM runs r JOIN reqs q ON q.run_id = r.id WHERE r.status <> 'waiting'`,
        )
        const history = await client.query<{ seq: number; n: number }>(
          'SELECT seq, count(*)::int AS n FROM history GROUP BY seq ORDER BY seq',
        )
        // Three resumes of random runs: each commits three times and appends two history rows
        // (a run drawn twice is resumed twice, so count the rows, not the runs).
        expect(resumed.rows.length).toBeGreaterThanOrEqual(1)
        expect(resumed.rows.reduce((sum, r) => sum + r.version - 1, 0)).toBe(9)
        for (const row of resumed.rows) {
          expect(row).toMatchObject({
            status: 'completed',
            answered: true,
            output: { status: 'approved', draft: 'Draft for topic-1', note: 'ok' },
          })
        }
        expect(history.rows).toEqual([
          { seq: 9, n: 3 },
          { seq: 11, n: 3 },
        ])
      } finally {
        await client.end()
      }
    } finally {
      await database.drop()
    }
  }, 60_000)

  it('reports the latency of a whole resume, with its percentiles', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@holdpoint/source', '--import', 'tsx', ceiling, '--phases=L', '--seconds=1'],
      { cwd: root, env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') } },
    )
    const lines = reportLines(stdout)
    expect(lines).toHaveLength(1)
    const [l] = lines
    expect(Object.keys(l ?? {})).toEqual([
      'system',
      'version',
      'phase',
      'C',
      'threads',
      'seconds',
      'tps',
      'latency_avg_ms',
      'transactions',
      'p50_ms',
      'p99_ms',
      'load_1m',
    ])
    expect(l).toMatchObject({ system: 'pgbench', phase: 'L', C: 1, threads: 1, seconds: 1 })
    expect(l?.version).toMatch(/^pgbench \(PostgreSQL\) /)
    for (const field of ['tps', 'latency_avg_ms', 'transactions', 'p50_ms', 'p99_ms']) {
      expect(l?.[field], field).toBeGreaterThan(0)
    }
    expect(l?.p99_ms).toBeGreaterThanOrEqual(l?.p50_ms as number)
  }, 60_000)
})
