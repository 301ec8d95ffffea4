import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchOptions, Phase, StoreKind } from './args.js'
import type { PhaseMeasure } from './measure-phase.js'
import { median, round } from './stats.js'

/** One line of the report: the fields BENCH_SPEC.md asks for, then a few more. */
export interface ReportLine {
  system: 'holdpoint'
  version: string
  store: StoreKind
  phase: Phase
  N: number
  C: number
  wall_s: number | null
  runs_per_s: number | null
  p50_ms: number | null
  p99_ms: number | null
  db_bytes_per_run: number | null
  rows_per_run: number | null
  txns_per_run: number | null
  draft_execs: number | null
  review_pre_pause_execs: number | null
  correct: boolean
  /** Whether the runs were written with history (`--history on`). */
  history: boolean
  /** Runs each phase process started and resumed before its timed work (`--warmup`). */
  warmup: number
  /** Start → paused, for phases that start runs; `null` for B. */
  start_p50_ms: number | null
  start_p99_ms: number | null
  /** CPU milliseconds per run of the phase's Holdpoint process (user + system). */
  client_cpu_ms_per_run: number | null
  reps: number
  /** Median 1-minute load average at the start of the phase. */
  load_1m: number | null
}

/** One report line per phase: every figure is the median over the repetitions. */
export function reportLine(
  version: string,
  { store, history, warmup }: Pick<BenchOptions, 'store' | 'history' | 'warmup'>,
  reps: readonly PhaseMeasure[],
): ReportLine {
  const first = reps[0]
  if (!first) throw new Error('No repetition to report.')
  const mid = (pick: (m: PhaseMeasure) => number | null): number | null => {
    const values = reps.map(pick).filter((v): v is number => v !== null)
    return values.length === 0 ? null : median(values)
  }
  const figure = (pick: (m: PhaseMeasure) => number | null, digits: number): number | null =>
    round(mid(pick), digits)
  return {
    system: 'holdpoint',
    version,
    store,
    phase: first.phase,
    N: first.n,
    C: first.c,
    wall_s: figure((m) => m.wallS, 3),
    runs_per_s: figure((m) => m.n / m.wallS, 1),
    p50_ms: figure((m) => m.p50Ms, 2),
    p99_ms: figure((m) => m.p99Ms, 2),
    db_bytes_per_run: figure((m) => m.bytesPerRun, 0),
    rows_per_run: figure((m) => m.rowsPerRun, 2),
    txns_per_run: figure((m) => m.txnsPerRun, 2),
    draft_execs: mid((m) => m.draftExecs),
    review_pre_pause_execs: mid((m) => m.reviewPrePauseExecs),
    correct: reps.every((m) => m.correct),
    history,
    warmup,
    start_p50_ms: figure((m) => m.startP50Ms, 2),
    start_p99_ms: figure((m) => m.startP99Ms, 2),
    client_cpu_ms_per_run: figure((m) => m.clientCpuMsPerRun, 3),
    reps: reps.length,
    load_1m: figure((m) => m.load1m, 2),
  }
}

/**
 * The report lines in a benchmark tool's standard output (`pnpm bench`, `bench:ceiling`,
 * `bench:compare`): every line starting with `{`, parsed.
 *
 * @example
 * ```ts
 * reportLines('progress\n{"phase":"L"}\n') // [{ phase: 'L' }]
 * ```
 */
export function reportLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/**
 * The version of the `holdpoint` package the benchmark runs, read from its package.json (the
 * package does not export it).
 */
export function holdpointVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve('holdpoint')))
  for (;;) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'holdpoint') return pkg.version ?? 'unknown'
    }
    const parent = dirname(dir)
    if (parent === dir) return 'unknown'
    dir = parent
  }
}
