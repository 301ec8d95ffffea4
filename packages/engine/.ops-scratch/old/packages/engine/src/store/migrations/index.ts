import * as initial from './0001-initial.js'

/** The schema's migrations, in order. A migration is never edited once released: add the next one. */
export const migrations: ReadonlyArray<{
  version: number
  name: string
  statements: readonly string[]
}> = [{ version: 1, name: 'initial', statements: initial.statements }]

/** The schema version this code writes. */
export const LATEST_SCHEMA_VERSION = migrations.length
