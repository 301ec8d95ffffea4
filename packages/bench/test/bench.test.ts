import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import {
  addProfile,
  formatSummary,
  packageOf,
  type CpuProfile,
  type SelfTimes,
} from '../src/profile-summary.js'
import { profileWithin } from '../src/profile-windows.js'
import { pieceName, resumePieces, summarise, traceTable } from '../src/resume-trace.js'
import { median, percentile } from '../src/stats.js'
import { timeCalls } from '../src/timed-calls.js'
import { runBench } from './run-bench.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const resumeTrace = fileURLToPath(new URL('../src/resume-trace.ts', import.meta.url))

/** The fields BENCH_SPEC.md asks for, in its order. */
const specFields = [
  'system',
  'version',
  'store',
  'phase',
  'N',
  'C',
  'wall_s',
  'runs_per_s',
  'p50_ms',
  'p99_ms',
  'db_bytes_per_run',
  'rows_per_run',
  'txns_per_run',
  'draft_execs',
  'review_pre_pause_execs',
  'correct',
]

describe('pnpm bench', () => {
  // Timings are not asserted: the machine is shared, so only shape and counts are stable.
  it('runs every phase once against Postgres and prints one report line per phase', async () => {
    const lines = await runBench(['--store', 'postgres', '--n', '20', '--c', '4', '--reps', '1'])

    expect(lines.map((l) => l.phase)).toEqual(['A', 'B', 'S', 'L'])
    for (const line of lines) {
      expect(Object.keys(line).slice(0, specFields.length)).toEqual(specFields)
      expect(line).toMatchObject({ system: 'holdpoint', store: 'postgres', N: 20, correct: true })
      expect(line.version).toEqual(expect.any(String))
      for (const field of ['wall_s', 'runs_per_s', 'p50_ms', 'p99_ms', 'txns_per_run']) {
        expect(line[field], field).toEqual(expect.any(Number))
      }
      expect(line.db_bytes_per_run).toBeGreaterThan(0)
      // Every run leaves its row, its request and its history behind.
      expect(line.rows_per_run).toBeGreaterThanOrEqual(2)
      // `draft` starts once per run in every phase: completed nodes are never replayed.
      expect(line.draft_execs).toBe(20)
    }
    const [a, b, s, l] = lines
    expect(a).toMatchObject({ C: 4, review_pre_pause_execs: 20 })
    // A fresh process resumes by replaying `review` up to its pause: once in P1, once in P2.
    expect(b).toMatchObject({ C: 4, review_pre_pause_execs: 40, start_p50_ms: null })
    // The same process still holds the paused node and resumes it after its `await`.
    expect(s).toMatchObject({ C: 4, review_pre_pause_execs: 20 })
    expect(l).toMatchObject({ C: 1, review_pre_pause_execs: 20 })
    expect(l?.start_p50_ms).toEqual(expect.any(Number))
  }, 180_000)

  it('runs on the compiled package, as pnpm bench does', async () => {
    const lines = await runBench(['--phases', 'L', '--n', '5', '--reps', '1', '--warmup', '5'], {
      compiled: true,
    })
    expect(lines).toEqual([
      expect.objectContaining({ phase: 'L', N: 5, warmup: 5, correct: true, draft_execs: 5 }),
    ])
  }, 120_000)
})

describe('stats', () => {
  it('takes nearest-rank percentiles and medians', () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i)
    expect(percentile(values, 50)).toBe(100)
    expect(percentile(values, 99)).toBe(198)
    expect(percentile([7], 99)).toBe(7)
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
  })
})

describe('timed calls', () => {
  it('times the calls that return, names the ones that throw and leaves skipped ones out', async () => {
    const made: number[] = []
    const timed = await timeCalls(
      { count: 4, c: 2, label: (i) => `call ${i}`, skip: (i) => i === 3 },
      async (i) => {
        made.push(i)
        if (i === 1) throw new Error('refused')
      },
    )
    expect(made.sort()).toEqual([0, 1, 2])
    expect(timed.latenciesMs).toHaveLength(2)
    expect(timed.failures).toEqual(['call 1: Error: refused'])
    expect(timed.wallMs).toBeGreaterThanOrEqual(Math.max(...timed.latenciesMs))
  })
})

describe('profile summary', () => {
  it('attributes source files to packages', () => {
    const frame = (url: string, functionName = 'f') => ({ url, functionName, lineNumber: 0 })
    expect(packageOf(frame('file:///w/node_modules/.pnpm/pg@8/node_modules/pg/lib/a.js'))).toBe(
      'pg',
    )
    expect(packageOf(frame('file:///w/node_modules/@electric-sql/pglite/dist/x.js'))).toBe(
      '@electric-sql/pglite',
    )
    expect(packageOf(frame('file:///w/packages/engine/src/holdpoint.ts'))).toBe('holdpoint')
    expect(packageOf(frame('node:net'))).toBe('node (built-in modules)')
    expect(packageOf(frame('wasm://wasm/022a9842'))).toBe('@electric-sql/pglite (wasm)')
    expect(packageOf(frame('', '(garbage collector)'))).toBe('(garbage collector)')
  })

  it('adds up self time, and total time once per sample however deep the recursion', () => {
    const frame = (functionName: string, url = 'file:///w/packages/engine/src/a.ts') => ({
      functionName,
      url,
      lineNumber: 0,
    })
    // (root) → outer → inner → inner (recursion), and (idle); one sample every 1,000 µs.
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
        { id: 2, callFrame: frame('outer'), children: [3] },
        { id: 3, callFrame: frame('inner'), children: [4] },
        { id: 4, callFrame: frame('inner') },
        { id: 5, callFrame: frame('(idle)', '') },
      ],
      startTime: 0,
      endTime: 4000,
      samples: [2, 3, 4, 5],
      timeDeltas: [0, 1000, 1000, 1000],
    }
    const times: SelfTimes = {
      totalUs: 0,
      idleUs: 0,
      byFunction: new Map(),
      byPackage: new Map(),
      inclusiveByFunction: new Map(),
    }
    addProfile(profile, times)
    const key = (name: string) => `${name} packages/engine/src/a.ts`
    expect(times.idleUs).toBe(1000)
    expect(times.byFunction.get(key('inner'))).toBe(2000)
    expect(times.byFunction.get(key('outer'))).toBe(1000)
    expect(times.inclusiveByFunction.get(key('outer'))).toBe(3000)
    expect(times.inclusiveByFunction.get(key('inner'))).toBe(2000)
    expect(formatSummary(times, 5, 'outer')).toContain(
      '| `outer packages/engine/src/a.ts` | 3 | 100.0% |',
    )
  })

  it('keeps the samples inside time windows, each as long as it ran there', () => {
    const nodes = [{ id: 1, callFrame: { functionName: 'f', url: '', lineNumber: 0 } }]
    // Samples of nodes 10, 11, 12, 13 taken at 100, 110, 120 and 130 µs; the profile ends at 140.
    const profile = {
      nodes,
      startTime: 100,
      endTime: 140,
      samples: [10, 11, 12, 13],
      timeDeltas: [0, 10, 10, 10],
    }
    // The first window cuts sample 11 at 115; the second holds sample 13 until the end.
    const within = profileWithin(profile, [
      { start: 105, end: 115 },
      { start: 125, end: 150 },
    ])
    expect(within).toEqual({
      nodes,
      startTime: 0,
      endTime: 15,
      samples: [11, 13],
      timeDeltas: [0, 5],
    })
  })
})

describe('resume trace', () => {
  it('takes apart a few resumes against Postgres: three round trips, each sent again', async () => {
    const profiles = await mkdtemp(join(tmpdir(), 'holdpoint-resume-profiles-'))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@holdpoint/source',
        '--import',
        'tsx',
        resumeTrace,
        '--n',
        '5',
        '--cpu-prof-dir',
        profiles,
      ],
      { cwd: root, env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') } },
    )
    // One profile per piece of a resume, each holding only samples of that piece.
    expect((await readdir(profiles)).sort()).toEqual([
      'engine-after-the-last-return.cpuprofile',
      'engine-before-round-trip-1.cpuprofile',
      'engine-between-round-trips-1-and-2.cpuprofile',
      'engine-between-round-trips-2-and-3.cpuprofile',
      'round-trip-1.cpuprofile',
      'round-trip-2.cpuprofile',
      'round-trip-3.cpuprofile',
    ])
    const roundTrip = JSON.parse(
      await readFile(join(profiles, 'round-trip-1.cpuprofile'), 'utf8'),
    ) as CpuProfile
    expect(roundTrip.samples.length).toBeGreaterThan(0)
    expect(roundTrip.samples).toHaveLength(roundTrip.timeDeltas.length)
    await rm(profiles, { recursive: true, force: true })
    const names = stdout
      .split('\n')
      .filter(
        (line) => line.startsWith('| ') && !line.startsWith('| piece') && !line.startsWith('| ---'),
      )
      .map((line) => line.split(' | ')[0]?.slice(2))
    expect(names).toEqual([
      'engine: before round trip 1',
      'round trip 1',
      'engine: between round trips 1 and 2',
      'round trip 2',
      'engine: between round trips 2 and 3',
      'round trip 3',
      'engine: after the last return',
      'whole resume',
      'round trip 1 sent again, back to back',
      'round trip 2 sent again, back to back',
      'round trip 3 sent again, back to back',
    ])
    expect(stdout).toMatch(
      /5 resumes; the process's CPU time \(user \+ system\) per resume: [\d.]+ ms/,
    )
  }, 60_000)

  it('splits a resume into engine work and round trips, leaving out calls of other resumes', () => {
    const calls = [
      { sent: 5, returned: 9 }, // before the resume
      { sent: 11, returned: 14 },
      { sent: 15, returned: 18.5 },
      { sent: 19, returned: 30 }, // after it
    ]
    expect(resumePieces(10, 20, calls)).toEqual([1, 3, 1, 3.5, 1.5])
    expect(resumePieces(10, 20, [])).toEqual([10])
    expect([0, 1, 2, 3, 4].map((i) => pieceName(i, 2))).toEqual([
      'engine: before round trip 1',
      'round trip 1',
      'engine: between round trips 1 and 2',
      'round trip 2',
      'engine: after the last return',
    ])
  })

  it('summarises the usual shape of resume and says how many it left out', () => {
    const usual = [1, 2, 3, 6] // one round trip: engine, trip, engine, whole
    const rows = summarise([usual, [2, 4, 5, 11], [1, 1, 1, 1, 1, 5]], [[0.5], [0.7]])
    expect(rows).toEqual([
      ['engine: before round trip 1', [1, 2]],
      ['round trip 1', [2, 4]],
      ['engine: after the last return', [3, 5]],
      ['whole resume', [6, 11]],
      ['round trip 1 sent again, back to back', [0.5, 0.7]],
      ['(1 resumes with another number of round trips left out)', []],
    ])
    const table = traceTable(rows).split('\n')
    expect(table[2]).toBe('| engine: before round trip 1 | 1.000 | 2.000 |')
    expect(table.at(-1)).toBe('| (1 resumes with another number of round trips left out) | — | — |')
  })
})
