import { existsSync } from 'node:fs'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PostgresCluster } from './cluster.js'

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<Record<string, unknown>>(text)).rows
  } finally {
    await client.end()
  }
}

describe('the chaos cluster', () => {
  let cluster: PostgresCluster | undefined
  afterAll(async () => cluster?.destroy())

  it('starts, survives an immediate restart with committed data, and is removed', async () => {
    cluster = await PostgresCluster.create({ maxConnections: 50 })
    await cluster.start()
    const url = cluster.url()
    expect(await query(url, 'SHOW fsync')).toEqual([{ fsync: 'on' }])
    expect(await query(url, 'SHOW max_connections')).toEqual([{ max_connections: '50' }])
    await query(url, 'CREATE TABLE kept AS SELECT 42 AS answer')

    await cluster.restart()
    expect(await query(url, 'SELECT answer FROM kept')).toEqual([{ answer: 42 }])

    await cluster.destroy()
    expect(existsSync(cluster.dir)).toBe(false)
  }, 120_000)
})
