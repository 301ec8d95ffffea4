import { parseArgs } from 'node:util'
import { phaseList, wholeNumber } from './arg-values.js'

/** The ceiling's phases, in the order they run: A and B at each client count, then L at C=1. */
export const CEILING_PHASES = ['A', 'B', 'L'] as const
export type CeilingPhase = (typeof CEILING_PHASES)[number]

/** What `ceiling.ts` was asked to do. */
export interface CeilingOptions {
  /** Client counts for phases A and B; phase L always runs one client. */
  clients: number[]
  /** How long each pgbench run lasts. */
  seconds: number
  phases: CeilingPhase[]
}

export const CEILING_USAGE = `Usage: pnpm bench:ceiling [options]
  --clients 1,8,32   client counts for phases A and B (default 1,8,32; phase L always uses 1)
  --seconds S        length of each pgbench run (default 10)
  --phases A,B,L     phases to run (default all)`

/** A command line the ceiling cannot run; its message ends with the usage text. */
export class CeilingUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n\n${CEILING_USAGE}`)
    this.name = 'CeilingUsageError'
  }
}

const fail = (problem: string): Error => new CeilingUsageError(problem)

/** Parses the command line; throws a `CeilingUsageError` on bad input. */
export function parseCeilingArgs(argv: readonly string[]): CeilingOptions {
  let values: { clients: string; seconds: string; phases: string }
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        clients: { type: 'string', default: '1,8,32' },
        seconds: { type: 'string', default: '10' },
        phases: { type: 'string', default: CEILING_PHASES.join(',') },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    // Node's own message names the unknown option or the missing value.
    throw new CeilingUsageError(error instanceof Error ? error.message : String(error))
  }
  const clients = values.clients.split(',').map(Number)
  if (clients.some((c) => !Number.isSafeInteger(c) || c < 1)) {
    throw new CeilingUsageError('--clients must be positive integers separated by commas')
  }
  // pgbench's -T takes whole seconds.
  const seconds = wholeNumber(values.seconds, '--seconds', 1, fail)
  const phases = phaseList(values.phases, CEILING_PHASES, fail)
  return { clients, seconds, phases }
}
