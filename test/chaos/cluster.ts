import { execFile, execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where the Postgres 15 binaries live on Debian; `PG_BIN` overrides it. */
const defaultBinDir = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'

/** Options of `PostgresCluster.create`. */
export interface ClusterOptions {
  binDir?: string
  maxConnections?: number
}

/**
 * A throwaway Postgres cluster of its own: `initdb` into a temporary directory, started and
 * stopped with `pg_ctl` on a free local port. Postgres refuses to run as root, so when this
 * process is root the binaries run as the `postgres` user, which owns the directory.
 */
export class PostgresCluster {
  readonly dir: string
  readonly dataDir: string
  readonly port: number
  readonly logFile: string
  readonly #binDir: string
  #destroyed = false

  private constructor(dir: string, port: number, binDir: string) {
    this.dir = dir
    this.dataDir = join(dir, 'data')
    this.logFile = join(dir, 'postgres.log')
    this.port = port
    this.#binDir = binDir
  }

  /** Initialises a new cluster (not started yet), with fsync on. */
  static async create(options: ClusterOptions = {}): Promise<PostgresCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'holdpoint-chaos-'))
    const owner = postgresOwner()
    if (owner) chownSync(dir, owner.uid, owner.gid)
    const cluster = new PostgresCluster(dir, await freePort(), options.binDir ?? defaultBinDir)
    try {
      await cluster.#exec('initdb', [
        '-D',
        cluster.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
      ])
      const conf = join(cluster.dataDir, 'postgresql.conf')
      writeFileSync(
        conf,
        `${readFileSync(conf, 'utf8')}
# holdpoint chaos suite
listen_addresses = '127.0.0.1'
port = ${cluster.port}
unix_socket_directories = '${dir}'
max_connections = ${options.maxConnections ?? 200}
fsync = on
synchronous_commit = on
shared_buffers = 128MB
log_min_messages = warning
log_min_error_statement = panic
`,
      )
    } catch (error) {
      cluster.destroySync()
      throw error
    }
    return cluster
  }

  /** A connection string to `database` on this cluster, direct (no proxy). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  /** Starts the server and waits until it accepts connections (after any crash recovery). */
  async start(): Promise<void> {
    await this.#exec('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '120', 'start'])
  }

  /** Stops the server; `immediate` is a crash: no checkpoint, recovery on the next start. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'])
  }

  /** Starts the server unless it is running (after a restart that failed halfway, say). */
  async ensureRunning(): Promise<void> {
    try {
      await this.#exec('pg_ctl', ['-D', this.dataDir, 'status'])
    } catch {
      await this.start()
    }
  }

  /** Crashes the server (immediate stop) and starts it again. */
  async restart(): Promise<void> {
    await this.stop('immediate')
    await this.start()
  }

  /** Stops the server if it runs and removes the directory. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return
    await this.stop('immediate').catch(() => {})
    this.#remove()
  }

  /** Like `destroy`, for `process.on('exit')` where nothing asynchronous runs. */
  destroySync(): void {
    if (this.#destroyed) return
    try {
      const [file, args] = this.#command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop'])
      execFileSync(file, args, { stdio: 'ignore', timeout: 30_000 })
    } catch {
      // Not running.
    }
    this.#remove()
  }

  /** The last lines of the server log, for error messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n')
    } catch {
      return ''
    }
  }

  #remove(): void {
    this.#destroyed = true
    rmSync(this.dir, { recursive: true, force: true })
  }

  async #exec(binary: string, args: string[]): Promise<void> {
    const [file, argv] = this.#command(binary, args)
    try {
      // pg_ctl hands the server's output to the log file, so its own pipes close when it exits.
      await run(file, argv, { timeout: 180_000 })
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? ''
      throw new Error(`${binary} ${args.join(' ')} failed: ${stderr}\n${this.logTail()}`, {
        cause: error,
      })
    }
  }

  #command(binary: string, args: string[]): [string, string[]] {
    const path = join(this.#binDir, binary)
    return postgresOwner() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args]
  }
}

/** The `postgres` account when this process is root (Postgres will not run as root), else none. */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  if (!owner) {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
    owner = { uid: id('-u'), gid: id('-g') }
  }
  return owner
}

let owner: { uid: number; gid: number } | undefined

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}
