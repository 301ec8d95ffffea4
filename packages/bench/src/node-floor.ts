/**
 * A pgbench script sent from Node through `pg`, the driver Holdpoint's Postgres store uses: the
 * same statements, one client, one execution after another, each statement prepared under a
 * name of its own and sent with `pool.query`, as the store sends its checkpoints. Beside
 * pgbench's figure for the same script, it shows what Node and `pg` add to a round trip before
 * any engine code runs: the floor for a Node engine making these commits.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import pg from 'pg'
import { drawVariables, readPgbenchScript } from './pgbench-script.js'

/** What running the script from Node measured. */
export interface NodeFloorRun {
  /** Node's and `pg`'s versions, e.g. "Node v20.20.2, pg 8.23.1". */
  version: string
  /** Script executions completed. */
  executions: number
  /** Wall time of the whole run, in seconds. */
  wallSeconds: number
  /** Each execution's latency in milliseconds, in the order they ran. */
  latenciesMs: number[]
}

/** The versions of Node and of the `pg` this package imports. */
function nodeClientVersion(): string {
  const { version } = createRequire(import.meta.url)('pg/package.json') as { version: string }
  return `Node ${process.version}, pg ${version}`
}

/**
 * Executes the pgbench script at `scriptPath` against `url` from this process for `seconds`,
 * one execution at a time on a pool of one connection, and times each execution whole.
 */
export async function runScriptFromNode(
  url: string,
  scriptPath: string,
  seconds: number,
): Promise<NodeFloorRun> {
  const { statements, variables } = readPgbenchScript(await readFile(scriptPath, 'utf8'))
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  const latenciesMs: number[] = []
  try {
    const start = performance.now()
    const end = start + seconds * 1000
    while (performance.now() < end) {
      const values = drawVariables(variables)
      const began = performance.now()
      for (const [i, { text, uses }] of statements.entries()) {
        const params = uses.map((k) => values[k] as string)
        await pool.query({ name: `node_floor_${i + 1}`, text, values: params })
      }
      latenciesMs.push(performance.now() - began)
    }
    return {
      version: nodeClientVersion(),
      executions: latenciesMs.length,
      wallSeconds: (performance.now() - start) / 1000,
      latenciesMs,
    }
  } finally {
    await pool.end()
  }
}
