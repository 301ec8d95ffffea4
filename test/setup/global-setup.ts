import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { postgresStore } from '../../packages/engine/src/postgres.js'
import { resolvePostgres, withDatabase } from './postgres-url.js'

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgTemplate: string
  }
}

/** Creates a migrated template database once per test run; each test file clones it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await resolvePostgres()
  const template = `hp_template_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: postgres.url })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${template}`)
  const store = postgresStore({
    connectionString: withDatabase(postgres.url, template),
    maxConnections: 1,
  })
  await store.ready()
  await store.close()
  await admin.end()
  project.provide('pgAdminUrl', postgres.url)
  project.provide('pgTemplate', template)
  return async () => {
    const client = new pg.Client({ connectionString: postgres.url })
    await client.connect()
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
      [template, `${template}_%`],
    )
    for (const { datname } of rows)
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`)
    await client.end()
    await postgres.stop()
  }
}
