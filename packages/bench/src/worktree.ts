/**
 * Another revision of this repository, checked out beside it for a comparison: a temporary git
 * worktree, installed, with its engine compiled. Used by `pnpm bench:compare` and
 * `pnpm bench:side-by-side`.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The root of this checkout. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '')

/** A revision that names no commit here. */
/** The line a comparison tool prints above its table, naming the two builds it compared. */
export function buildsCompared(against: string, worktree: string): string {
  return `this: the checkout at ${repoRoot}; against: ${against}, built in the worktree ${worktree}`
}

export class UnknownRevisionError extends Error {
  constructor(rev: string) {
    super(`--against ${rev}: no such commit, branch or tag here`)
    this.name = 'UnknownRevisionError'
  }
}

/** Runs a command to its end; its output goes to stderr, or is returned with `capture`. */
export function runCommand(
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

/** Compiles the engine of the checkout at `dir`: the benchmarks measure the compiled package. */
export function buildEngine(dir: string): Promise<string> {
  return runCommand(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'packages/engine/tsconfig.build.json'],
    dir,
  )
}

/**
 * Checks `rev` out in a new worktree, in a temporary directory whose name starts with `prefix`,
 * installs it and builds its engine; returns its path. Throws `UnknownRevisionError`, leaving
 * nothing behind, when `rev` names no commit.
 */
export async function prepareWorktree(rev: string, prefix: string): Promise<string> {
  const commit = await runCommand(
    'git',
    ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`],
    repoRoot,
    { capture: true },
  ).catch(() => '')
  if (commit.trim() === '') throw new UnknownRevisionError(rev)
  const dir = await mkdtemp(join(tmpdir(), prefix))
  try {
    await runCommand('git', ['worktree', 'add', '--detach', dir, commit.trim()], repoRoot)
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  try {
    const [command, pnpmArgs] = pnpm()
    await runCommand(
      command,
      [...pnpmArgs, 'install', '--frozen-lockfile', '--prefer-offline'],
      dir,
    )
    await buildEngine(dir)
    return dir
  } catch (error) {
    await removeWorktree(dir)
    throw error
  }
}

/**
 * Removes a worktree made by `prepareWorktree`. Should git refuse (another git command holding
 * its lock, say), the directory is deleted all the same, and the prune forgets it.
 */
export async function removeWorktree(dir: string): Promise<void> {
  await runCommand('git', ['worktree', 'remove', '--force', dir], repoRoot).catch(() =>
    rm(dir, { recursive: true, force: true }),
  )
  await runCommand('git', ['worktree', 'prune'], repoRoot).catch(() => {})
}
