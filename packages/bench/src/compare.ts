/**
 * This checkout's benchmark side by side with another revision's, in one sitting:
 *
 *   pnpm bench:compare --against REV [--pairs 3] [-- --phases L]
 *
 * The machine's speed moves between runs minutes apart by more than most changes move the
 * figures, so a comparison needs both builds measured in turns, and in an order that favours
 * neither (see `pairOrder`). It checks `REV` out in a temporary git worktree, installs and builds
 * it there, then runs `pnpm bench` (one repetition per run unless told otherwise) for each build
 * `--pairs` times, printing every report line with its build and pair as it comes, then a
 * Markdown table of medians and the median ratio of the pairs. The worktree is removed at the end.
 */
import { CompareUsageError, parseCompareArgs } from './compare-args.js'
import { compareTable, pairOrder, type Build, type ComparedLine } from './compare-summary.js'
import { reportLines } from './report.js'
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

/** One `pnpm bench` of the checkout at `dir` (its engine built); its report lines. */
async function bench(
  dir: string,
  args: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  const stdout = await runCommand(
    process.execPath,
    ['--import', 'tsx', 'packages/bench/src/main.ts', ...args],
    dir,
    { capture: true },
  )
  return reportLines(stdout)
}

async function main(): Promise<void> {
  const options = parseCompareArgs(process.argv.slice(2))
  const other = await prepareWorktree(options.against, 'holdpoint-compare-')
  try {
    await buildEngine(repoRoot)
    const dirs: Record<Build, string> = { this: repoRoot, against: other }
    const lines: ComparedLine[] = []
    for (let pair = 1; pair <= options.pairs; pair++) {
      for (const which of pairOrder(pair)) {
        for (const line of await bench(dirs[which], options.benchArgs)) {
          lines.push({ build: which, pair, line })
          process.stdout.write(`${JSON.stringify({ build: which, pair, ...line })}\n`)
        }
      }
    }
    process.stdout.write(`\n${buildsCompared(options.against, other)}\n\n${compareTable(lines)}\n`)
  } finally {
    await removeWorktree(other)
  }
}

if (isMain(import.meta.url)) {
  runTool(
    main,
    (error) => error instanceof CompareUsageError || error instanceof UnknownRevisionError,
  )
}
