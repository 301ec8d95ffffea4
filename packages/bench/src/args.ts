import { parseArgs } from 'node:util'
import { phaseList, wholeNumber } from './arg-values.js'

/** The benchmark's phases, in the order they run. */
export const PHASES = ['A', 'B', 'S', 'L'] as const
export type Phase = (typeof PHASES)[number]

/** The stores the benchmark can run against. */
export const STORES = ['postgres', 'pglite'] as const
export type StoreKind = (typeof STORES)[number]

/** Phase L's run count; smaller only when `--n` is. */
export const LATENCY_RUNS = 200

/** What `main.ts` was asked to do. */
export interface BenchOptions {
  store: StoreKind
  /** Runs per phase (L uses at most `LATENCY_RUNS`). */
  n: number
  /** Most runs in flight (L always uses 1). */
  c: number
  reps: number
  phases: Phase[]
  /** Connections of the Postgres store's pool; `undefined` keeps the store's default. */
  pool: number | undefined
  /** When set, each phase-B process writes a V8 CPU profile of its timed work here. */
  cpuProfDir: string | undefined
  /** Whether the phase processes write run history (`createHoldpoint({ history })`). */
  history: boolean
  /**
   * Runs each phase process starts and resumes on a database of their own before its timed
   * work (`--warmup`); 0, the default, measures a fresh process as BENCH_SPEC.md defines the
   * phases.
   */
  warmup: number
}

/** The usage text, printed for `--help` and for bad arguments. */
export const USAGE = `Usage: pnpm bench [options]
  --store postgres|pglite  the store (default postgres; Postgres from DATABASE_URL or 127.0.0.1:5432)
  --n N                    runs per phase (default 500; phase L uses min(N, ${LATENCY_RUNS}))
  --c C                    most runs in flight (default 32; phase L uses 1)
  --reps R                 repetitions; each figure is the median over them (default 3)
  --phases A,B,S,L         phases to run (default all)
  --pool P                 Postgres connections per process (default: the store's default)
  --cpu-prof-dir DIR       write a V8 CPU profile of phase B's timed work (one per repetition) to DIR
  --history on|off         write run history: createHoldpoint({ history }) (default on)
  --warmup W               before its timed work, each phase process starts and resumes W runs
                           on a database of their own (default 0: a fresh process)`

/** Parses the command line; throws an `Error` carrying the usage text on bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      store: { type: 'string', default: 'postgres' },
      n: { type: 'string', default: '500' },
      c: { type: 'string', default: '32' },
      reps: { type: 'string', default: '3' },
      phases: { type: 'string', default: PHASES.join(',') },
      pool: { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      history: { type: 'string', default: 'on' },
      warmup: { type: 'string', default: '0' },
    },
    strict: true,
    allowPositionals: false,
  })
  const store = values.store as StoreKind
  if (!STORES.includes(store)) throw usageError(`--store must be one of ${STORES.join(', ')}`)
  const phases = phaseList(values.phases, PHASES, usageError)
  if (phases.includes('B') && !phases.includes('A')) {
    // B resumes the runs A paused; without A there is nothing to resume.
    throw usageError('phase B needs phase A')
  }
  if (values.history !== 'on' && values.history !== 'off') {
    throw usageError('--history must be on or off')
  }
  return {
    store,
    n: wholeNumber(values.n, '--n', 1, usageError),
    c: wholeNumber(values.c, '--c', 1, usageError),
    reps: wholeNumber(values.reps, '--reps', 1, usageError),
    phases,
    pool: values.pool === undefined ? undefined : wholeNumber(values.pool, '--pool', 1, usageError),
    cpuProfDir: values['cpu-prof-dir'],
    history: values.history === 'on',
    warmup: wholeNumber(values.warmup, '--warmup', 0, usageError),
  }
}

function usageError(message: string): Error {
  return new Error(`${message}\n\n${USAGE}`)
}
