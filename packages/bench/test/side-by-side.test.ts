import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg, { type QueryConfig } from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { timePoolCalls, type PoolCall } from '../src/pool-timing.js'
import { SideBySideUsageError, parseSideBySideArgs } from '../src/side-by-side-args.js'
import {
  noSamples,
  processFigures,
  sideBySideTable,
  turnOrder,
  type SideBySideSamples,
} from '../src/side-by-side-summary.js'
import { expectWorktreeRemoved } from './worktree-check.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const sideBySide = fileURLToPath(new URL('../src/side-by-side.ts', import.meta.url))

describe('pnpm bench:side-by-side', () => {
  it('lets each build go first, and after the other, equally often', () => {
    const orders = [0, 1, 2, 3, 4, 5, 6, 7].map(turnOrder)
    expect(orders.map(([first]) => first).join(' ')).toBe(
      'this against against this this against against this',
    )
  })

  it('pairs the i-th operations of the two builds: the median of their ratios', () => {
    const samples: SideBySideSamples = { this: noSamples(), against: noSamples() }
    samples.this.resume = { whole: [2, 3, 4], engine: [0.5, 1, 0.4] }
    samples.against.resume = { whole: [4, 3, 2], engine: [1, 1, 0.5] }
    const figures = processFigures(samples)
    // Whole: medians 3 and 3, ratios 0.5, 1, 2 → 1. Engine: ratios 0.5, 1, 0.8 → 0.8.
    expect(figures.resume.whole).toEqual({ this: 3, against: 3, ratio: 1 })
    expect(figures.resume.engine).toEqual({ this: 0.5, against: 1, ratio: 0.8 })
    expect(figures.start.whole.ratio).toBeNaN() // nothing started
    const table = sideBySideTable([figures, figures]).split('\n')
    expect(table).toContain('| resume | engine | 0.500 | 1.000 | 0.800 | 2 of 2 |')
    expect(table).toContain('| resume | whole | 3.000 | 3.000 | 1.000 | 0 of 2 |')
  })

  it('needs a revision and refuses bad counts', () => {
    expect(parseSideBySideArgs(['--against', 'main'])).toEqual({
      against: 'main',
      processes: 4,
      n: 200,
    })
    expect(parseSideBySideArgs(['--against', 'v1', '--processes', '2', '--n', '50'])).toEqual({
      against: 'v1',
      processes: 2,
      n: 50,
    })
    for (const argv of [
      [],
      ['--against', 'x', '--n', '0'],
      ['--against', 'x', '--processes', 'a'],
    ]) {
      expect(() => parseSideBySideArgs(argv)).toThrow(SideBySideUsageError)
    }
    expect(() => parseSideBySideArgs(['--against', 'x', '--pairs', '2'])).toThrow(/Usage/)
  })

  it('times pool calls without replacing pool.query, and sees what each one sent', async () => {
    const pool = new pg.Pool({ connectionString: inject('pgAdminUrl'), max: 1 })
    const calls: Array<PoolCall & { config: QueryConfig }> = []
    timePoolCalls(pool, (call) => calls.push(call))
    // The Postgres store sends query objects only to a pool whose query nobody replaced.
    expect(pool.query).toBe(pg.Pool.prototype.query)
    await pool.query({ name: 'timed_select', text: 'SELECT $1::int AS n', values: [7] })
    await pool.query('SELECT 2 AS n')
    await pool.end()
    expect(calls.map((c) => c.config)).toEqual([
      { name: 'timed_select', text: 'SELECT $1::int AS n', values: [7] },
      { text: 'SELECT 2 AS n' },
    ])
    for (const call of calls) expect(call.returned).toBeGreaterThan(call.sent)
  })

  it('times both builds in the same process, and removes the worktree', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', sideBySide, '--against', 'HEAD', '--processes', '1', '--n', '10'],
      { cwd: root, env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') } },
    )
    const line = JSON.parse(stdout.split('\n')[0] ?? '') as ReturnType<typeof processFigures>
    for (const figure of [line.start, line.resume]) {
      // Every operation did round trips: the whole is longer than the engine's part of it.
      expect(figure.whole.this).toBeGreaterThan(figure.engine.this)
      expect(figure.whole.against).toBeGreaterThan(figure.engine.against)
      expect(figure.engine.against).toBeGreaterThan(0)
    }
    expect(stdout).toMatch(/\| resume \| engine \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [01] of 1 \|/)
    await expectWorktreeRemoved(stdout, 'holdpoint-side-by-side-')
    // An install and two builds besides the runs: far longer than a test usually takes.
  }, 180_000)
})
