import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import { CompareUsageError, parseCompareArgs } from '../src/compare-args.js'
import { compareTable, pairOrder, type ComparedLine } from '../src/compare-summary.js'
import { reportLines } from '../src/report.js'
import { expectWorktreeRemoved } from './worktree-check.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const compare = fileURLToPath(new URL('../src/compare.ts', import.meta.url))

describe('pnpm bench:compare', () => {
  it('takes turns in an order that favours neither build', () => {
    const orders = [1, 2, 3, 4, 5, 6, 7, 8].map(pairOrder)
    expect(orders.flat().join(' ')).toBe(
      'this against against this against this this against ' +
        'this against against this against this this against',
    )
    // In every four pairs, each build runs first twice.
    for (let start = 0; start < orders.length; start += 4) {
      const firsts = orders.slice(start, start + 4).map(([first]) => first)
      expect(firsts.filter((b) => b === 'this')).toHaveLength(2)
    }
  })

  it('tables the medians of each build and the median ratio of the pairs', () => {
    const line = (phase: string, runs: number, p50: number) => ({
      phase,
      runs_per_s: runs,
      p50_ms: p50,
    })
    const lines: ComparedLine[] = [
      { build: 'this', pair: 1, line: line('L', 200, 2) },
      { build: 'against', pair: 1, line: line('L', 100, 4) },
      { build: 'against', pair: 2, line: line('L', 300, 3) },
      { build: 'this', pair: 2, line: line('L', 330, 3.3) },
      { build: 'against', pair: 3, line: line('L', 150, 2) },
      { build: 'this', pair: 3, line: line('L', 180, 2.2) },
    ]
    const table = compareTable(lines).split('\n')
    // Medians 200 and 150; pair ratios 2, 1.1, 1.2 → 1.2 (not the ratio of the medians).
    expect(table).toContain('| L | runs_per_s | 200.00 | 150.00 | 1.200 | higher is better |')
    expect(table).toContain('| L | p50_ms | 2.20 | 3.00 | 1.100 | lower is better |')
    // A figure no line has is left out.
    expect(table.some((row) => row.includes('client_cpu_ms_per_run'))).toBe(false)
  })

  it('needs a revision, runs one repetition per run unless told, and refuses bad input', () => {
    expect(parseCompareArgs(['--against', 'main', '--', '--phases', 'L'])).toEqual({
      against: 'main',
      pairs: 3,
      benchArgs: ['--reps', '1', '--phases', 'L'],
    })
    expect(parseCompareArgs(['--against', 'v1', '--pairs', '5', '--', '--reps', '3'])).toEqual({
      against: 'v1',
      pairs: 5,
      benchArgs: ['--reps', '3'],
    })
    for (const argv of [[], ['--against', ''], ['--against', 'x', '--pairs', '0'], ['--nope']]) {
      expect(() => parseCompareArgs(argv)).toThrow(CompareUsageError)
    }
    expect(() => parseCompareArgs([])).toThrow(/--against is required[\s\S]*Usage/)
  })

  it('refuses a revision that is not a commit here, and leaves nothing behind', async () => {
    const temps = async () =>
      (await readdir(tmpdir())).filter((name) => name.startsWith('holdpoint-compare-'))
    const before = await temps()
    const failed = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', compare, '--against', 'no-such-revision-here'],
      { cwd: root },
    ).catch((error: unknown) => error as { code: number; stderr: string })
    expect(failed).toMatchObject({ code: 1 })
    expect((failed as { stderr: string }).stderr).toContain(
      '--against no-such-revision-here: no such commit, branch or tag here',
    )
    expect(await temps()).toEqual(before)
  })

  it('builds both checkouts, runs them in turns, and removes the worktree', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        compare,
        '--against',
        'HEAD',
        '--pairs',
        '1',
        '--',
        '--phases',
        'L',
        '--n',
        '20',
      ],
      { cwd: root, env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') } },
    )
    const reports = reportLines(stdout)
    expect(reports.map((r) => [r.build, r.pair, r.phase, r.N, r.reps, r.correct])).toEqual([
      ['this', 1, 'L', 20, 1, true],
      ['against', 1, 'L', 20, 1, true],
    ])
    expect(stdout).toMatch(/\| L \| p50_ms \| [\d.]+ \| [\d.]+ \| [\d.]+ \| lower is better \|/)
    await expectWorktreeRemoved(stdout, 'holdpoint-compare-')
    // An install and two builds besides the two runs: far longer than a test usually takes.
  }, 180_000)
})
