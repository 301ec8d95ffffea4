import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { reportLines } from '../src/report.js'
import { createEmptyDatabase } from '../../../test/setup/database.js'
import { CeilingUsageError, parseCeilingArgs } from '../src/ceiling-args.js'
import { prepareCeilingTables } from '../src/ceiling-tables.js'
import { findPgbench, parseTransactionLog } from '../src/pgbench.js'
import { drawVariables, readPgbenchScript } from '../src/pgbench-script.js'
import { runScriptFromNode } from '../src/node-floor.js'

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

describe('a pgbench script read for Node', () => {
  it("turns phase L's script into its three statements, each taking the run id as $1", async () => {
    const { statements, variables } = readPgbenchScript(await readFile(lScript, 'utf8'))
    expect(variables).toEqual([{ name: 'id', lo: 1, hi: 200_000 }])
    expect(statements).toHaveLength(3)
    for (const statement of statements) {
      expect(statement.uses).toEqual([0])
      expect(statement.text).toMatch(/WHERE id = \$1 RETURNING id\n/)
      expect(statement.text).not.toMatch(/:id\b|^--|;$/m)
    }
    // JSON's colons and the comments between statements are left alone.
    expect(statements[0]?.text).toContain('"approved": true')
    expect(statements[1]?.text.startsWith('WITH run AS')).toBe(true)
  })

  it("numbers each statement's parameters in the order the script sets its variables", () => {
    const script = [
      '\\set a random(1, 10)',
      '\\set b random(5, 5)',
      'SELECT :b::int, :a;',
      '-- a comment; not a statement',
      'SELECT 1;',
      "SELECT :a, :ab, :b, 'x'::b;",
    ].join('\n')
    expect(readPgbenchScript(script).statements).toEqual([
      { text: 'SELECT $2::int, $1', uses: [0, 1] },
      { text: 'SELECT 1', uses: [] },
      // Neither another name that begins with one nor a cast is a variable.
      { text: "SELECT $1, :ab, $2, 'x'::b", uses: [0, 1] },
    ])
  })

  it('refuses what only pgbench can run, and a script with no statement', () => {
    expect(() => readPgbenchScript('\\sleep 1 ms\nSELECT 1;')).toThrow(
      /Only "\\set name random\(lo, hi\)" can be run outside pgbench; the script has: \\sleep 1 ms/,
    )
    expect(() => readPgbenchScript('\\set x 5\nSELECT :x;')).toThrow(/the script has: \\set x 5/)
    expect(() => readPgbenchScript('\\set x random(5, 4)\nSELECT :x;')).toThrow(
      'Empty range in the script: \\set x random(5, 4)',
    )
    expect(() => readPgbenchScript('-- nothing\n')).toThrow('The script holds no statement')
  })

  it('draws each variable within its bounds, both ends included', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 400; i++) {
      const [a, b] = drawVariables([
        { name: 'a', lo: 1, hi: 3 },
        { name: 'b', lo: -2, hi: -2 },
      ])
      seen.add(a as string)
      expect(b).toBe('-2')
    }
    expect([...seen].sort()).toEqual(['1', '2', '3'])
  })
})

describe('phase L sent from Node', () => {
  it("commits each execution's three statements and times every execution", async () => {
    const database = await createEmptyDatabase()
    try {
      await prepareCeilingTables(database.url)
      const run = await runScriptFromNode(database.url, lScript, 1)
      expect(run.version).toMatch(/^Node v\d+\.\d+\.\d+, pg \d+\.\d+\.\d+$/)
      expect(run.executions).toBeGreaterThan(0)
      expect(run.latenciesMs).toHaveLength(run.executions)
      expect(run.wallSeconds).toBeGreaterThanOrEqual(1)
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      try {
        const { rows } = await client.query<{ commits: number; histories: number }>(
          `SELECT (SELECT sum(version - 1)::int FROM runs) AS commits,
             (SELECT count(*)::int FROM history) AS histories`,
        )
        expect(rows[0]).toEqual({ commits: 3 * run.executions, histories: 2 * run.executions })
      } finally {
        await client.end()
      }
    } finally {
      await database.drop()
    }
  }, 60_000)
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

  it('reports the latency of a whole resume, with its percentiles, from pgbench and from Node', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@holdpoint/source', '--import', 'tsx', ceiling, '--phases=L', '--seconds=1'],
      { cwd: root, env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') } },
    )
    const lines = reportLines(stdout)
    expect(lines).toHaveLength(2)
    const [l, fromNode] = lines
    expect(Object.keys(fromNode ?? {})).toEqual(Object.keys(l ?? {}))
    expect(fromNode).toMatchObject({ system: 'node-pg', phase: 'L', C: 1, threads: 1, seconds: 1 })
    for (const field of ['tps', 'latency_avg_ms', 'transactions', 'p50_ms', 'p99_ms']) {
      expect(fromNode?.[field], field).toBeGreaterThan(0)
    }
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
