/**
 * The ceiling (BENCH_SPEC.md): the benchmark's writes done by `pgbench`, a C client with no
 * engine. Phase A is one transaction inserting a run row and its request row, phase B one
 * transaction updating both (the scripts in ../pgbench). Prints one JSON line per phase and
 * client count: `pnpm bench:ceiling [--clients 1,8,32] [--seconds 10]`.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import pg from 'pg'
import { createTarget } from './database.js'

const run = promisify(execFile)
const log = (line: string): void => void process.stderr.write(`${line}\n`)

/** Rows phase B updates; `b.sql` picks ids in 1 … this. */
const B_ROWS = 200_000

/** What `runs` holds for a paused run, the same document `a.sql` inserts. */
const SNAPSHOT =
  '{"value":"review","context":{"topic":"topic-1","draft":"Draft for topic-1"},' +
  '"children":{"review":{"status":"active","input":{"x":1}}},"historyValue":{}}'

/** One line of the ceiling's report. */
interface CeilingLine {
  system: 'pgbench'
  version: string
  phase: 'A' | 'B'
  C: number
  threads: number
  seconds: number
  tps: number
  latency_avg_ms: number | null
  transactions: number | null
  /** The 1-minute load average when the run began: the machine is shared. */
  load_1m: number
}

/**
 * The pgbench binary: `PGBENCH`, else the newest one in Debian's PostgreSQL directories, else
 * `pgbench` on the PATH. Throws with installation advice when there is none.
 */
async function findPgbench(): Promise<string> {
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

async function prepare(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`CREATE TABLE runs (
      id bigint PRIMARY KEY,
      status text NOT NULL,
      snapshot jsonb NOT NULL,
      output jsonb,
      version int NOT NULL DEFAULT 1
    )`)
    await client.query(`CREATE TABLE reqs (
      run_id bigint NOT NULL,
      key text NOT NULL,
      answer jsonb,
      PRIMARY KEY (run_id, key)
    )`)
    // Phase B updates paused runs, so they must exist: the state phase A leaves behind.
    await client.query(
      `INSERT INTO runs (id, status, snapshot)
       SELECT g, 'waiting', $1::jsonb FROM generate_series(1, ${B_ROWS}) g`,
      [SNAPSHOT],
    )
    await client.query(
      `INSERT INTO reqs (run_id, key) SELECT g, 'approve' FROM generate_series(1, ${B_ROWS}) g`,
    )
    await client.query('VACUUM ANALYZE runs')
    await client.query('VACUUM ANALYZE reqs')
  } finally {
    await client.end()
  }
}

async function pgbench(
  binary: string,
  url: string,
  script: string,
  clients: number,
  seconds: number,
): Promise<Omit<CeilingLine, 'system' | 'version' | 'phase'>> {
  const load = loadavg()[0] ?? 0
  const threads = Math.min(clients, cpus().length)
  const args = ['-n', '-c', `${clients}`, '-j', `${threads}`, '-T', `${seconds}`, '-f', script, url]
  const { stdout } = await run(binary, args, { maxBuffer: 16 * 1024 * 1024 })
  const number = (pattern: RegExp): number | null => {
    const match = pattern.exec(stdout)
    return match?.[1] === undefined ? null : Number(match[1])
  }
  const tps = number(/^tps = ([\d.]+)/m)
  if (tps === null) throw new Error(`Unexpected pgbench output:\n${stdout}`)
  return {
    C: clients,
    threads,
    seconds,
    tps: Math.round(tps),
    latency_avg_ms: number(/^latency average = ([\d.]+) ms/m),
    transactions: number(/^number of transactions actually processed: (\d+)/m),
    load_1m: Math.round(load * 100) / 100,
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1,8,32' },
      seconds: { type: 'string', default: '10' },
    },
    strict: true,
  })
  const clients = values.clients.split(',').map(Number)
  const seconds = Number(values.seconds)
  if (clients.some((c) => !Number.isSafeInteger(c) || c < 1) || !(seconds > 0)) {
    throw new Error('Usage: pnpm bench:ceiling [--clients 1,8,32] [--seconds 10]')
  }
  const binary = await findPgbench()
  const version = (await run(binary, ['--version'])).stdout.trim()
  const scripts = fileURLToPath(new URL('../pgbench/', import.meta.url))
  log(`${version}, ${cpus().length} CPUs, ${seconds} s per run`)
  for (const c of clients) {
    // A fresh database per client count, so that no run inherits another's inserted rows.
    const { target, dispose } = await createTarget('postgres')
    try {
      if (target.kind !== 'postgres') throw new Error('unreachable')
      await prepare(target.url)
      for (const phase of ['A', 'B'] as const) {
        const script = join(scripts, `${phase.toLowerCase()}.sql`)
        const result = await pgbench(binary, target.url, script, c, seconds)
        const line: CeilingLine = { system: 'pgbench', version, phase, ...result }
        process.stdout.write(`${JSON.stringify(line)}\n`)
      }
    } finally {
      await dispose()
    }
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
