import { execFile, spawn, type ChildProcess } from 'node:child_process'
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

/** A CLI process left running: its output so far, and how it ends. */
export interface SpawnedCli {
  readonly child: ChildProcess
  /** Everything written to stderr so far. */
  stderr(): string
  /** Everything written to stdout so far. */
  stdout(): string
  /** Resolves with the first stderr match of `pattern`; rejects after `timeoutMs` or on exit. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** The same for stdout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves with the exit code (or the signal that killed it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Starts `holdpoint …` from source in a child process and leaves it running, for long-lived
 * commands such as `worker`. Kill what you spawn.
 */
export function spawnCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): SpawnedCli {
  const child = spawn(
    process.execPath,
    ['--conditions=@holdpoint/source', '--import', tsx, main, ...args],
    {
      cwd: options.cwd ?? fixturesDir,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const output = { stdout: '', stderr: '' }
  const listeners = new Set<() => void>()
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8').on('data', (chunk: string) => {
      output[name] += chunk
      for (const listener of listeners) listener()
    })
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const waitFor =
    (name: 'stdout' | 'stderr') =>
    (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output[name].match(pattern)
          if (match) done(() => resolve(match))
        }
        const timer = setTimeout(
          () => done(() => reject(new Error(`No ${String(pattern)} on ${name}:\n${output[name]}`))),
          timeoutMs,
        )
        const done = (settle: () => void): void => {
          clearTimeout(timer)
          listeners.delete(check)
          settle()
        }
        listeners.add(check)
        void exited.then(() => {
          check()
          if (listeners.has(check)) {
            const seen = `${name}:\n${output[name]}\nstderr:\n${output.stderr}`
            done(() => reject(new Error(`Exited before ${String(pattern)}; ${seen}`)))
          }
        })
        check()
      })
  return {
    child,
    stderr: () => output.stderr,
    stdout: () => output.stdout,
    exited,
    waitForStderr: waitFor('stderr'),
    waitForStdout: waitFor('stdout'),
  }
}
