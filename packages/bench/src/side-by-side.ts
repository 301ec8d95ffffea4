/**
 * This checkout's engine and another revision's, timed side by side in the same processes:
 *
 *   pnpm bench:side-by-side --against REV [--processes 4] [--n 200]
 *
 * `pnpm bench:compare` runs each build's benchmark in processes of its own, taking turns; on a
 * shared machine whose speed drifts within seconds, a change of a few percent in the engine's
 * own work stays below that noise. Here each fresh process (`side-by-side-process.ts`) loads
 * both builds and has them do phase L's work (starts, then same-process resumes, at C=1) one
 * operation each in turn, so that both meet the same moment of the machine, and times each
 * operation whole and without its round trips: the engine's part, where a change to the engine
 * shows. Per operation it prints each build's median and the median ratio of the paired
 * operations, over `--processes` fresh processes (each with a fresh database), as one JSON line
 * per process and a Markdown table. The worktree is removed at the end.
 */
import { fileURLToPath } from 'node:url'
import { createTarget, migrateTarget } from './database.js'
import { SideBySideUsageError, parseSideBySideArgs } from './side-by-side-args.js'
import type { SideBySideJob } from './side-by-side-process.js'
import { processFigures, sideBySideTable, type SideBySideSamples } from './side-by-side-summary.js'
import {
  buildEngine,
  buildsCompared,
  prepareWorktree,
  removeWorktree,
  repoRoot,
  runCommand,
  UnknownRevisionError,
} from './worktree.js'
import { isMain, runTool } from './tool-main.js'

const processScript = fileURLToPath(new URL('./side-by-side-process.ts', import.meta.url))

/** One fresh process on a fresh database; what it measured. */
async function measure(against: string, n: number): Promise<SideBySideSamples> {
  const { target, dispose } = await createTarget('postgres')
  try {
    if (target.kind !== 'postgres') throw new Error('side by side runs on Postgres')
    await migrateTarget(target)
    const job: SideBySideJob = { url: target.url, n, against }
    const stdout = await runCommand(
      process.execPath,
      ['--import', 'tsx', processScript, JSON.stringify(job)],
      repoRoot,
      { capture: true },
    )
    const last = stdout.trim().split('\n').at(-1) ?? ''
    return JSON.parse(last) as SideBySideSamples
  } finally {
    await dispose()
  }
}

async function main(): Promise<void> {
  const options = parseSideBySideArgs(process.argv.slice(2))
  const other = await prepareWorktree(options.against, 'holdpoint-side-by-side-')
  try {
    await buildEngine(repoRoot)
    const figures = []
    for (let p = 1; p <= options.processes; p++) {
      const measured = processFigures(await measure(other, options.n))
      figures.push(measured)
      process.stdout.write(`${JSON.stringify({ process: p, n: options.n, ...measured })}\n`)
    }
    process.stdout.write(
      `\n${buildsCompared(options.against, other)}; ` +
        `${options.processes} processes, ${options.n} starts and resumes per build in each\n\n` +
        `${sideBySideTable(figures)}\n`,
    )
  } finally {
    await removeWorktree(other)
  }
}

if (isMain(import.meta.url)) {
  runTool(
    main,
    (error) => error instanceof SideBySideUsageError || error instanceof UnknownRevisionError,
  )
}
