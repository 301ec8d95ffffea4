/**
 * The approval benchmark (BENCH_SPEC.md): `pnpm bench [--store postgres|pglite] [--n 500]
 * [--c 32] [--reps 3] [--phases A,B,S,L] [--history on|off] [--warmup 0]`. Prints one JSON line
 * per phase on stdout, each figure the median over the repetitions; progress goes to stderr.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseBenchArgs, USAGE, type Phase } from './args.js'
import type { PhaseMeasure } from './measure-phase.js'
import { runRepetition } from './phases.js'
import { holdpointVersion, reportLine } from './report.js'

const log = (line: string): void => void process.stderr.write(`${line}\n`)

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    log(USAGE)
    return
  }
  const options = parseBenchArgs(process.argv.slice(2))
  const version = holdpointVersion()
  log(
    `holdpoint ${version}, store ${options.store}, N=${options.n}, C=${options.c}, ` +
      `${options.reps} reps, phases ${options.phases.join(',')}, ` +
      `history ${options.history ? 'on' : 'off'}, warm-up ${options.warmup} runs; ` +
      `node ${process.version}, ` +
      `${cpus().length} CPUs`,
  )
  if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true })
  const scratchDir = await mkdtemp(join(tmpdir(), 'holdpoint-bench-ids-'))
  const byPhase = new Map<Phase, PhaseMeasure[]>()
  try {
    for (let rep = 1; rep <= options.reps; rep++) {
      log(`repetition ${rep}/${options.reps}`)
      for (const m of await runRepetition(options, scratchDir, log)) {
        byPhase.set(m.phase, [...(byPhase.get(m.phase) ?? []), m])
      }
    }
  } finally {
    await rm(scratchDir, { recursive: true, force: true })
  }
  for (const phase of options.phases) {
    const reps = byPhase.get(phase) ?? []
    process.stdout.write(`${JSON.stringify(reportLine(version, options, reps))}\n`)
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exitCode = 1
})
