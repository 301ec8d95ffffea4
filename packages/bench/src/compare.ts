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
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CompareUsageError, parseCompareArgs } from './compare-args.js'
import { compareTable, pairOrder, type Build, type ComparedLine } from './compare-summary.js'
import { reportLines } from './report.js'

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '')

/** Runs a command to its end; its output goes to stderr, or is returned with `capture`. */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  { capture = false } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', capture ? 'pipe' : 2, 2] })
    let stdout = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${code}`))
    })
  })
}

/** pnpm as this process was started by (`pnpm bench:compare`), or the one on the PATH. */
function pnpm(): [string, string[]] {
  const execPath = process.env.npm_execpath
  return execPath && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['pnpm', []]
}

/** Compiles the engine of the checkout at `dir`: the benchmark measures the compiled package. */
function build(dir: string): Promise<string> {
  return run(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'packages/engine/tsconfig.build.json'],
    dir,
  )
}

/** Checks `rev` out in a new worktree, installs it and builds its engine; returns its path. */
async function prepare(rev: string): Promise<string> {
  const commit = await run('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], root, {
    capture: true,
  }).catch(() => '')
  if (commit.trim() === '') {
    throw new CompareUsageError(`--against ${rev}: no such commit, branch or tag here`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'holdpoint-compare-'))
  try {
    await run('git', ['worktree', 'add', '--detach', dir, commit.trim()], root)
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  try {
    const [command, prefix] = pnpm()
    await run(command, [...prefix, 'install', '--frozen-lockfile', '--prefer-offline'], dir)
    await build(dir)
    return dir
  } catch (error) {
    await remove(dir)
    throw error
  }
}

async function remove(dir: string): Promise<void> {
  await run('git', ['worktree', 'remove', '--force', dir], root).catch(() => {})
  await run('git', ['worktree', 'prune'], root).catch(() => {})
}

/** One `pnpm bench` of the checkout at `dir` (its engine built); its report lines. */
async function bench(
  dir: string,
  args: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  const stdout = await run(
    process.execPath,
    ['--import', 'tsx', 'packages/bench/src/main.ts', ...args],
    dir,
    { capture: true },
  )
  return reportLines(stdout)
}

async function main(): Promise<void> {
  const options = parseCompareArgs(process.argv.slice(2))
  const other = await prepare(options.against)
  try {
    await build(root)
    const dirs: Record<Build, string> = { this: root, against: other }
    const lines: ComparedLine[] = []
    for (let pair = 1; pair <= options.pairs; pair++) {
      for (const which of pairOrder(pair)) {
        for (const line of await bench(dirs[which], options.benchArgs)) {
          lines.push({ build: which, pair, line })
          process.stdout.write(`${JSON.stringify({ build: which, pair, ...line })}\n`)
        }
      }
    }
    process.stdout.write(
      `\nthis: the checkout at ${root}; against: ${options.against}\n\n${compareTable(lines)}\n`,
    )
  } finally {
    await remove(other)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      error instanceof CompareUsageError
        ? `${error.message}\n`
        : `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exitCode = 1
  })
}
