import { describe, expect, it } from 'vitest'
import { parseBenchArgs } from '../src/args.js'
import { runBench } from './run-bench.js'

describe('--warmup', () => {
  it('is 0 unless asked for, and must be a whole number', () => {
    expect(parseBenchArgs([]).warmup).toBe(0)
    expect(parseBenchArgs(['--warmup', '2000']).warmup).toBe(2000)
    for (const bad of ['-1', '1.5', 'many']) {
      expect(() => parseBenchArgs([`--warmup=${bad}`])).toThrow(
        /--warmup must be a whole number, 0 or more/,
      )
    }
  })

  it('runs the warm-up outside the measured database and counts', async () => {
    const lines = await runBench([
      '--phases',
      'A,B,L',
      '--n',
      '10',
      '--c',
      '2',
      '--reps',
      '1',
      '--warmup',
      '15',
    ])
    expect(lines.map((l) => l.phase)).toEqual(['A', 'B', 'L'])
    const [a, b, l] = lines
    // Each process warmed up on 15 runs of its own; only the 10 measured runs show anywhere.
    for (const line of lines) {
      expect(line).toMatchObject({ warmup: 15, N: 10, correct: true, draft_execs: 10 })
      expect(line.rows_per_run).toBeLessThan(7)
    }
    expect(a).toMatchObject({ review_pre_pause_execs: 10 })
    expect(b).toMatchObject({ review_pre_pause_execs: 20 })
    expect(l).toMatchObject({ review_pre_pause_execs: 10 })
  }, 120_000)
})
