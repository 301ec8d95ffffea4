import * as initial from './0001-initial.js'
import * as leases from './0002-leases.js'
import * as writeTokens from './0003-write-tokens.js'
import * as history from './0004-history.js'
import * as compactHistory from './0005-compact-history.js'
import * as smallerRows from './0006-smaller-rows.js'
import * as orphanRows from './0007-orphan-rows.js'
import * as followMarks from './0008-follow-marks.js'

/** The schema's migrations, in order. A migration is never edited once released: add the next one. */
export const migrations: ReadonlyArray<{
  version: number
  name: string
  statements: readonly string[]
}> = [
  { version: 1, name: 'initial', statements: initial.statements },
  { version: 2, name: 'leases', statements: leases.statements },
  { version: 3, name: 'write-tokens', statements: writeTokens.statements },
  { version: 4, name: 'history', statements: history.statements },
  { version: 5, name: 'compact-history', statements: compactHistory.statements },
  { version: 6, name: 'smaller-rows', statements: smallerRows.statements },
  { version: 7, name: 'orphan-rows', statements: orphanRows.statements },
  { version: 8, name: 'follow-marks', statements: followMarks.statements },
]

/** The schema version this code writes. */
export const LATEST_SCHEMA_VERSION = migrations.length
