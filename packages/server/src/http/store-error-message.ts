import type { HoldpointErrorCode } from 'holdpoint'

/**
 * What a caller reads of an error of the store, whose own message carries its cause: a database
 * address, a user name, a driver's words. Those are for the operator, and go to the log.
 */
const storeMessages: Readonly<Partial<Record<HoldpointErrorCode, string>>> = {
  STORE_UNAVAILABLE: 'The server cannot reach its store now: try again shortly.',
  STORE_CLOSED: 'The server has closed its store: try again shortly.',
  SCHEMA_TOO_NEW:
    "The server's database was migrated by a newer Holdpoint than the server runs: try again once the server is upgraded.",
  SCHEMA_TOO_OLD:
    "The server's database must be migrated before the server can use it: try again once it is.",
}

/**
 * The message of a store error (status 503) as any caller reads it.
 *
 * @example
 * ```ts
 * storeErrorMessage('STORE_UNAVAILABLE') // 'The server cannot reach its store now: try again shortly.'
 * ```
 */
export function storeErrorMessage(code: string): string {
  return (
    (Object.hasOwn(storeMessages, code) ? storeMessages[code as HoldpointErrorCode] : undefined) ??
    'The server cannot use its store now: try again shortly.'
  )
}
