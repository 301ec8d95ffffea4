import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * Checks that the worktree a comparison names in its output ("built in the worktree DIR") is
 * gone, from the disk and from git's list. Other tests may hold worktrees of their own meanwhile.
 */
export async function expectWorktreeRemoved(stdout: string, prefix: string): Promise<void> {
  const worktree = /built in the worktree (\S+?)[;\n]/.exec(stdout)?.[1] ?? ''
  expect(worktree).toContain(prefix)
  expect(existsSync(worktree)).toBe(false)
  const { stdout: list } = await promisify(execFile)('git', ['worktree', 'list'], { cwd: root })
  expect(list).not.toContain(worktree)
}
