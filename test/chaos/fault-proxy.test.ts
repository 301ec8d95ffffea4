import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../setup/database.js'
import { FaultProxy } from './fault-proxy.js'
import { isWriteStatement } from './wire-protocol.js'

describe('the fault proxy', () => {
  let database: TestDatabase
  let proxy: FaultProxy
  let direct: pg.Client

  beforeAll(async () => {
    database = await createTestDatabase()
    const url = new URL(database.url)
    proxy = await FaultProxy.listen({ upstreamPort: Number(url.port || 5432) })
    direct = new pg.Client({ connectionString: database.url })
    await direct.connect()
    await direct.query('CREATE TABLE probe (id int PRIMARY KEY, note text)')
  })
  afterAll(async () => {
    await direct?.end()
    await proxy?.close()
    await database?.drop()
  })

  function client(): pg.Client {
    const url = new URL(database.url)
    url.port = String(proxy.port)
    const c = new pg.Client({ connectionString: url.toString() })
    c.on('error', () => {}) // the proxy cuts connections on purpose
    return c
  }

  async function count(id: number): Promise<number> {
    const { rows } = await direct.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM probe WHERE id = $1',
      [id],
    )
    return rows[0]?.n ?? 0
  }

  it('tells writes from reads', () => {
    expect(isWriteStatement('  WITH run AS (UPDATE x SET y = 1) SELECT 1')).toBe(true)
    expect(isWriteStatement('-- note\ninsert into t values (1)')).toBe(true)
    expect(isWriteStatement('/* a */ UPDATE t SET a = 1')).toBe(true)
    expect(isWriteStatement('select * from t')).toBe(false)
    expect(isWriteStatement('BEGIN')).toBe(false)
  })

  it('forwards queries, simple and extended, and large ones', async () => {
    const c = client()
    await c.connect()
    const { rows } = await c.query<{ sum: number }>('SELECT $1::int + $2::int AS sum', [2, 3])
    expect(rows[0]?.sum).toBe(5)
    const big = 'x'.repeat(1_000_000)
    const echoed = await c.query<{ length: number }>('SELECT length($1::text) AS length', [big])
    expect(echoed.rows[0]?.length).toBe(1_000_000)
    await c.query('INSERT INTO probe VALUES (1, $1)', ['plain'])
    expect(await count(1)).toBe(1)
    await c.end()
  })

  it('makes an extended-protocol write an ambiguous commit: error for the client, committed', async () => {
    proxy.ambiguousRate = 1
    const c = client()
    await c.connect()
    // Reads pass untouched even at rate 1.
    await expect(c.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] })
    const before = proxy.stats.ambiguous
    await expect(c.query('INSERT INTO probe VALUES ($1, $2)', [2, 'ambiguous'])).rejects.toThrow()
    proxy.ambiguousRate = 0
    expect(await count(2)).toBe(1)
    expect(proxy.stats.ambiguous).toBe(before + 1)
    await c.end().catch(() => {})
  })

  it('does the same to a simple-protocol write and a CTE write', async () => {
    proxy.ambiguousRate = 1
    const c = client()
    await c.connect()
    await expect(c.query("INSERT INTO probe VALUES (3, 'simple')")).rejects.toThrow()
    const d = client()
    await d.connect()
    await expect(
      d.query('WITH w AS (INSERT INTO probe VALUES ($1, $2) RETURNING id) SELECT id FROM w', [
        4,
        'cte',
      ]),
    ).rejects.toThrow()
    proxy.ambiguousRate = 0
    expect(await count(3)).toBe(1)
    expect(await count(4)).toBe(1)
  })

  it('counts a doomed write that failed on the server as not committed', async () => {
    proxy.ambiguousRate = 1
    const c = client()
    await c.connect()
    const before = { ...proxy.stats }
    await expect(c.query('INSERT INTO probe VALUES ($1, $2)', [1, 'duplicate'])).rejects.toThrow()
    proxy.ambiguousRate = 0
    expect(proxy.stats.ambiguous).toBe(before.ambiguous)
    expect(proxy.stats.doomedNotCommitted).toBe(before.doomedNotCommitted + 1)
  })

  it('drops every connection at the wire', async () => {
    const a = client()
    const b = client()
    await a.connect()
    await b.connect()
    expect(proxy.open).toBeGreaterThanOrEqual(2)
    const ended = new Promise((resolve) => a.once('end', resolve))
    expect(proxy.dropAll()).toBeGreaterThanOrEqual(2)
    await ended
    await expect(b.query('SELECT 1')).rejects.toThrow()
    // New connections work again at once.
    const c = client()
    await c.connect()
    await expect(c.query('SELECT 2 AS two')).resolves.toMatchObject({ rows: [{ two: 2 }] })
    await c.end()
  })

  it('plays an unreachable database for a while', async () => {
    proxy.refuseFor(300)
    await expect(client().connect()).rejects.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 350))
    const c = client()
    await c.connect()
    await expect(c.query('SELECT 3 AS three')).resolves.toMatchObject({ rows: [{ three: 3 }] })
    await c.end()
  })
})
