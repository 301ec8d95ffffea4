import { afterAll } from 'vitest'
import type { Store } from 'holdpoint'
import { pgliteStore } from 'holdpoint/pglite'
import { postgresStore } from 'holdpoint/postgres'
import { createTestDatabase, type TestDatabase } from './database.js'

/** The stores every conformance test runs against. */
export const storeKinds = ['postgres', 'pglite'] as const
export type StoreKind = (typeof storeKinds)[number]

/**
 * Opens stores for one test file: Postgres in a database cloned for this file, PGlite in memory.
 * Everything opened is closed (and the database dropped) after the file.
 */
export function useStores(): {
  /** The file's store of this kind, opened on first use and shared by its tests. */
  open(kind: StoreKind): Promise<Store>
  /** A store of its own: for Postgres, another connection pool to the file's database; for PGlite, a new empty database. */
  fresh(kind: StoreKind): Promise<Store>
  database(): Promise<TestDatabase>
} {
  let database: Promise<TestDatabase> | undefined
  const opened: Store[] = []
  const shared = new Map<StoreKind, Promise<Store>>()
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()))
    if (database) await (await database).drop()
  })
  const db = (): Promise<TestDatabase> => (database ??= createTestDatabase())
  return {
    database: db,
    open(kind) {
      let store = shared.get(kind)
      if (!store) shared.set(kind, (store = this.fresh(kind)))
      return store
    },
    async fresh(kind) {
      const store =
        kind === 'postgres'
          ? postgresStore({ connectionString: (await db()).url, maxConnections: 4 })
          : pgliteStore({ dataDir: 'memory://' })
      opened.push(store)
      return store
    },
  }
}
