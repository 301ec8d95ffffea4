import { parseArgs } from 'node:util'
import { wholeNumber } from './arg-values.js'

/** What `side-by-side.ts` was asked to do. */
export interface SideBySideOptions {
  /** The git revision to compare this checkout with. */
  against: string
  /** Fresh processes, each measuring both builds. */
  processes: number
  /** Runs each build starts and resumes in each process. */
  n: number
}

export const SIDE_BY_SIDE_USAGE = `Usage: pnpm bench:side-by-side --against REV [--processes P] [--n N]
  --against REV    a commit, branch or tag: built in a temporary git worktree
  --processes P    fresh processes, each running both builds in turns (default 4)
  --n N            runs each build starts, then resumes, at C=1 in each process (default 200)`

/** A command line the comparison cannot run; its message ends with the usage text. */
export class SideBySideUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n\n${SIDE_BY_SIDE_USAGE}`)
    this.name = 'SideBySideUsageError'
  }
}

/** Parses the command line; throws a `SideBySideUsageError` on bad input. */
export function parseSideBySideArgs(argv: readonly string[]): SideBySideOptions {
  let values: { against?: string; processes: string; n: string }
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        against: { type: 'string' },
        processes: { type: 'string', default: '4' },
        n: { type: 'string', default: '200' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new SideBySideUsageError(error instanceof Error ? error.message : String(error))
  }
  if (values.against === undefined || values.against === '') {
    throw new SideBySideUsageError('--against is required')
  }
  const usage = (problem: string) => new SideBySideUsageError(problem)
  return {
    against: values.against,
    processes: wholeNumber(values.processes, '--processes', 1, usage),
    n: wholeNumber(values.n, '--n', 1, usage),
  }
}
