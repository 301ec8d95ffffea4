import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely'
import { StoreUnavailableError } from '../errors.js'

const sqlState = /^[0-9A-Z]{5}$/
// SQLSTATE classes and codes that mean the connection or server went away, not that the query was wrong.
const unavailableStates = ['08', '57P01', '57P02', '57P03', '53300']
const socketFailure =
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|Connection terminated|Query read timeout|connection is closed|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)/i

/** True for errors that say the database could not be reached, rather than that a query failed. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && sqlState.test(code)) {
    return unavailableStates.some((state) => code.startsWith(state))
  }
  return error instanceof Error && socketFailure.test(`${String(code ?? '')} ${error.message}`)
}

/**
 * True for errors the database raised over a value it refused: bad data (SQLSTATE class 22), a
 * constraint (23), a serialization failure or deadlock (40), a size limit (54). A statement
 * shared by many writes that failed this way may have failed over one of them alone.
 */
export function failedOnAValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && sqlState.test(code) && /^(22|23|40|54)/.test(code)
}

/** Rethrows a connection failure as `StoreUnavailableError`, and any other error as it is. */
export function guard(error: unknown): never {
  throw isUnavailable(error) ? new StoreUnavailableError(error) : error
}

/**
 * Wraps a dialect so that connection failures surface as `StoreUnavailableError` (code
 * `STORE_UNAVAILABLE`, retriable) from every query, wherever it is issued.
 */
export function guardedDialect(inner: Dialect): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: () => new GuardedDriver(inner.createDriver()),
  }
}

class GuardedDriver implements Driver {
  readonly #inner: Driver
  constructor(inner: Driver) {
    this.#inner = inner
  }
  init(): Promise<void> {
    return this.#inner.init().catch(guard)
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection().catch(guard)
    return new GuardedConnection(connection)
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(unwrap(connection), settings).catch(guard)
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(unwrap(connection)).catch(guard)
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(unwrap(connection)).catch(guard)
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(unwrap(connection))
  }
  destroy(): Promise<void> {
    return this.#inner.destroy()
  }
}

class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}
  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.inner.executeQuery<R>(query).catch(guard)
  }
  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize)
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof GuardedConnection ? connection.inner : connection
}
