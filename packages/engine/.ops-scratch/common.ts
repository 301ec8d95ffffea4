import pg from 'pg'
export const admin = 'postgres://postgres@127.0.0.1:5432/postgres'
export async function freshDb(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: admin })
  await c.connect()
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await c.query(`CREATE DATABASE ${name}`)
  await c.end()
  return `postgres://postgres@127.0.0.1:5432/${name}`
}
export async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timeout')
    await new Promise((r) => setTimeout(r, 20))
  }
}
