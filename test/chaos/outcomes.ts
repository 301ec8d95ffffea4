import { HoldpointError } from 'holdpoint'

/**
 * Outcomes of a delivery that promise it was not applied: the engine checked it against the
 * stored run and refused it. A stored answer that only refused deliveries carried is a bug.
 */
export const refusedOutcomes: ReadonlySet<string> = new Set([
  'INVALID_INPUT',
  'ALREADY_ANSWERED',
  'UNKNOWN_REQUEST',
  'RUN_NOT_WAITING',
  'RUN_NOT_FOUND',
  'CONCURRENT_MODIFICATION',
])

/** Outcomes after which a client would simply try again. */
export const retriableOutcomes: ReadonlySet<string> = new Set([
  'STORE_UNAVAILABLE',
  'RUN_LEASED',
  'CONCURRENT_MODIFICATION',
])

/** `ok`, a Holdpoint error's code, or `ERROR:<name>: <message>` for anything else. */
export function outcomeOf(error?: unknown): string {
  if (error === undefined) return 'ok'
  if (HoldpointError.is(error)) return error.code
  if (error instanceof Error) return `ERROR:${error.name}: ${error.message.slice(0, 200)}`
  return `ERROR:${String(error).slice(0, 200)}`
}

/** True for an outcome that is not a Holdpoint error at all: the engine let a raw error out. */
export function isRawError(outcome: string): boolean {
  return outcome.startsWith('ERROR:')
}
