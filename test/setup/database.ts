import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { withDatabase } from './postgres-url.js'

/** A database of its own for one test file, cloned from the migrated template. */
export interface TestDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

/** Clones the migrated template into a new database (`CREATE DATABASE … TEMPLATE`). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl')
  const template = inject('pgTemplate')
  const name = `${template}_${randomBytes(4).toString('hex')}`
  await admin(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`)
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

/** A database with nothing in it, for migration tests. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl')
  const name = `${inject('pgTemplate')}_${randomBytes(4).toString('hex')}`
  await admin(adminUrl, `CREATE DATABASE ${name}`)
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    // Concurrent clones of one template can collide on its lock; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(statement)
        return
      } catch (error) {
        if (attempt >= 20 || !String(error).includes('being accessed by other users')) throw error
        await new Promise((resolve) => setTimeout(resolve, 100 + attempt * 50))
      }
    }
  } finally {
    await client.end()
  }
}
