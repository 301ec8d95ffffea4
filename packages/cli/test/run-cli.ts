import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
// Absolute, so that the CLI can run in a directory outside the repository.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Where the fixture config lives; commands run there find it without --config. */
export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url))

/** What a CLI process printed and how it exited. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `holdpoint …` from source in a child process, with stdin closed (not a terminal).
 */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--conditions=@holdpoint/source', '--import', tsx, main, ...args],
      {
        cwd: options.cwd ?? fixturesDir,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        if (code === null) reject(error ?? new Error('The CLI did not exit'))
        else resolve({ code, stdout, stderr })
      },
    )
    child.stdin?.end()
  })
}
