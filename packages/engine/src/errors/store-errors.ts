import { HoldpointError } from './holdpoint-error.js'

// Errors of the store: its schema and its connection.

/** The database was migrated by a newer Holdpoint than this one. */
export class SchemaTooNewError extends HoldpointError {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      'SCHEMA_TOO_NEW',
      `The database schema is at version ${databaseVersion}, newer than this Holdpoint understands (${codeVersion}). ` +
        'Upgrade holdpoint in this process instead of running old code against a newer database.',
    )
  }
}

/** The database has not been migrated to the schema this code needs, and auto-migration is off. */
export class SchemaTooOldError extends HoldpointError {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      'SCHEMA_TOO_OLD',
      `The database schema is at version ${databaseVersion}; this Holdpoint needs ${codeVersion}. Run \`holdpoint migrate\` first.`,
    )
  }
}

/**
 * The database could not be reached or dropped the connection. Retriable: nothing was half
 * written, and a write whose outcome was unknown has been checked against the store.
 */
export class StoreUnavailableError extends HoldpointError {
  readonly retriable = true
  constructor(cause: unknown) {
    super(
      'STORE_UNAVAILABLE',
      `The store is unavailable (${cause instanceof Error ? cause.message : String(cause)}). Try again; no partial write was left behind.`,
      { cause },
    )
  }
}

/** The store was closed. */
export class StoreClosedError extends HoldpointError {
  constructor() {
    super('STORE_CLOSED', 'The store has been closed; create a new Holdpoint to continue.')
  }
}
