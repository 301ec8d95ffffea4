/**
 * Finding and running `pgbench` for the ceiling, and reading what it reports: the summary it
 * prints, and the per-transaction log (`--log`) phase L takes its percentiles from.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * The pgbench binary: `PGBENCH`, else the newest one in Debian's PostgreSQL directories, else
 * `pgbench` on the PATH. Throws with installation advice when there is none.
 */
export async function findPgbench(): Promise<string> {
  if (process.env.PGBENCH) return process.env.PGBENCH
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'pgbench')))
      .sort((a, b) => Number(b) - Number(a))
    if (majors[0] !== undefined) return join(root, majors[0], 'bin', 'pgbench')
  }
  try {
    await run('pgbench', ['--version'])
    return 'pgbench'
  } catch {
    throw new Error(
      'pgbench is not installed. On Debian or Ubuntu: `apt-get install postgresql-contrib` ' +
        '(pgbench ships in the server package postgresql-<major>, e.g. postgresql-15, which it ' +
        'pulls in); on macOS it comes with `brew install postgresql@15`. Or set PGBENCH to its path.',
    )
  }
}

/** `pgbench --version`, e.g. "pgbench (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)". */
export async function pgbenchVersion(binary: string): Promise<string> {
  return (await run(binary, ['--version'])).stdout.trim()
}

/** What one pgbench run reports. pgbench's "transaction" is one execution of the script. */
export interface PgbenchSummary {
  C: number
  threads: number
  seconds: number
  tps: number
  latency_avg_ms: number | null
  transactions: number | null
}

/** One pgbench run: `clients` clients executing `script` for `seconds`. */
export interface PgbenchRun {
  binary: string
  url: string
  script: string
  clients: number
  seconds: number
  /** Extra pgbench options, placed before the script. */
  options?: readonly string[]
}

/** Runs pgbench and reads its summary. */
export async function runPgbench(r: PgbenchRun): Promise<PgbenchSummary> {
  const threads = Math.min(r.clients, cpus().length)
  const args = ['-n', '-c', `${r.clients}`, '-j', `${threads}`, '-T', `${r.seconds}`]
  args.push(...(r.options ?? []), '-f', r.script, r.url)
  const { stdout } = await run(r.binary, args, { maxBuffer: 16 * 1024 * 1024 })
  const number = (pattern: RegExp): number | null => {
    const match = pattern.exec(stdout)
    return match?.[1] === undefined ? null : Number(match[1])
  }
  const tps = number(/^tps = ([\d.]+)/m)
  if (tps === null) throw new Error(`Unexpected pgbench output:\n${stdout}`)
  return {
    C: r.clients,
    threads,
    seconds: r.seconds,
    tps: Math.round(tps),
    latency_avg_ms: number(/^latency average = ([\d.]+) ms/m),
    transactions: number(/^number of transactions actually processed: (\d+)/m),
  }
}

/**
 * Runs pgbench with `--log`, into a temporary directory removed afterwards, and returns its
 * summary with the latency of every script execution in milliseconds, in the order they ran.
 * Throws when the log does not hold exactly the executions the summary counts.
 */
export async function runPgbenchLogged(
  r: PgbenchRun,
): Promise<{ summary: PgbenchSummary; latenciesMs: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'holdpoint-pgbench-log-'))
  try {
    const summary = await runPgbench({
      ...r,
      options: [...(r.options ?? []), '--log', `--log-prefix=${join(dir, 'log')}`],
    })
    const files = (await readdir(dir)).sort()
    const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))
    const latenciesMs = texts.flatMap(parseTransactionLog)
    if (latenciesMs.length !== summary.transactions) {
      throw new Error(
        `pgbench logged ${latenciesMs.length} script executions in ${files.length} file(s) ` +
          `but reported ${summary.transactions ?? 'no count'}`,
      )
    }
    return { summary, latenciesMs }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The latencies, in milliseconds, of a pgbench per-transaction log: one line per script
 * execution, `client_id transaction_no time script_no time_epoch time_us [...]`, `time` in
 * microseconds. Throws on a line of another form (a skipped or failed execution has a word
 * there, and the ceiling's runs should have neither).
 */
export function parseTransactionLog(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const time = line.trim().split(/\s+/)[2]
      if (time === undefined || !/^\d+$/.test(time)) {
        throw new Error(`Unexpected line in pgbench's transaction log: ${line}`)
      }
      return Number(time) / 1000
    })
}
