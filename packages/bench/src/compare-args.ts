import { parseArgs } from 'node:util'
import { wholeNumber } from './arg-values.js'

/** What `compare.ts` was asked to do. */
export interface CompareOptions {
  /** The git revision to compare this checkout with. */
  against: string
  /** How many runs of the benchmark each build gets, in pairs. */
  pairs: number
  /** `pnpm bench` options given to both builds' runs (`--reps 1` unless they name `--reps`). */
  benchArgs: string[]
}

export const COMPARE_USAGE = `Usage: pnpm bench:compare --against REV [--pairs P] [-- pnpm bench options]
  --against REV   a commit, branch or tag: built in a temporary git worktree
  --pairs P       runs of the benchmark per build, taking turns in balanced order (default 3)
  -- …            options for both builds' pnpm bench, such as --phases L or --store pglite
                  (each run is one repetition, --reps 1, unless --reps is given here)`

/** A command line the comparison cannot run; its message ends with the usage text. */
export class CompareUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n\n${COMPARE_USAGE}`)
    this.name = 'CompareUsageError'
  }
}

/** Parses the command line; throws a `CompareUsageError` on bad input. */
export function parseCompareArgs(argv: readonly string[]): CompareOptions {
  const split = argv.indexOf('--')
  const own = split === -1 ? argv : argv.slice(0, split)
  const passed = split === -1 ? [] : argv.slice(split + 1)
  let values: { against?: string; pairs: string }
  try {
    ;({ values } = parseArgs({
      args: [...own],
      options: { against: { type: 'string' }, pairs: { type: 'string', default: '3' } },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new CompareUsageError(error instanceof Error ? error.message : String(error))
  }
  if (values.against === undefined || values.against === '') {
    throw new CompareUsageError('--against is required')
  }
  const pairs = wholeNumber(values.pairs, '--pairs', 1, (p) => new CompareUsageError(p))
  const benchArgs = passed.includes('--reps') ? passed : ['--reps', '1', ...passed]
  return { against: values.against, pairs, benchArgs }
}
