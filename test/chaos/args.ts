import { parseArgs as parseNodeArgs } from 'node:util'

/** What one chaos run does, from the command line. */
export interface ChaosOptions {
  /** Runs to start. */
  runs: number
  /** Worker processes alive at any time. */
  workers: number
  /** Immediate-mode Postgres restarts, at least. */
  restarts: number
  /** Budget for starting, faults and draining, in seconds; verification comes after it. */
  seconds: number
  /** Processes that deliver answers. */
  deliverers: number
  /** Probability that a writing statement through the proxy becomes an ambiguous commit. */
  ambiguous: number
  /** Seeds the delivery plans and the fault schedule's choices. */
  seed: number
  /** Keep the cluster directory and the ledgers for inspection. */
  keep: boolean
}

const usage =
  'usage: chaos [--runs 2000] [--workers 3] [--restarts 2] [--seconds 240] [--deliverers 2] ' +
  '[--ambiguous 0.01] [--seed N] [--keep]'

/** Parses `pnpm chaos` arguments; throws with the usage on anything it does not understand. */
export function parseArgs(argv: readonly string[]): ChaosOptions {
  const { values } = parseNodeArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      runs: { type: 'string', default: '2000' },
      workers: { type: 'string', default: '3' },
      restarts: { type: 'string', default: '2' },
      seconds: { type: 'string', default: '240' },
      deliverers: { type: 'string', default: '2' },
      ambiguous: { type: 'string', default: '0.01' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      keep: { type: 'boolean', default: false },
    },
  })
  const options: ChaosOptions = {
    runs: integer(values.runs, 'runs', 1),
    workers: integer(values.workers, 'workers', 1),
    restarts: integer(values.restarts, 'restarts', 0),
    seconds: integer(values.seconds, 'seconds', 10),
    deliverers: integer(values.deliverers, 'deliverers', 2),
    ambiguous: Number(values.ambiguous),
    seed: integer(values.seed, 'seed', 0),
    keep: values.keep,
  }
  if (!(options.ambiguous >= 0 && options.ambiguous <= 1)) {
    throw new Error(`--ambiguous must be a probability between 0 and 1.\n${usage}`)
  }
  return options
}

function integer(text: string, name: string, min: number): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`--${name} must be an integer of at least ${min}, got "${text}".\n${usage}`)
  }
  return value
}
