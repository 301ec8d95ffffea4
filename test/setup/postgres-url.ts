import { execFileSync } from 'node:child_process'
import pg from 'pg'

const localUrl = 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * An admin connection string for the Postgres the tests use: `DATABASE_URL`; else the local
 * server when it answers; else a Testcontainers Postgres when Docker runs; else an error that
 * says how to get one. Returns a stop function for a container it started.
 */
export async function resolvePostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const none = async (): Promise<void> => {}
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: none }
  if (await answers(localUrl)) return { url: localUrl, stop: none }
  if (dockerRuns()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    const container = await new PostgreSqlContainer('postgres:15-alpine').start()
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) }
  }
  throw new Error(
    'The tests need Postgres. Set DATABASE_URL=postgres://user@host:5432/db, start a local server on ' +
      '127.0.0.1:5432 (see infra/), or run Docker so that Testcontainers can start one.',
  )
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

function dockerRuns(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch {
    return false
  }
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}
