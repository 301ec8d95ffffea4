import type { RunEvent } from 'holdpoint'
import { timestamp } from './format.js'

/**
 * An event's data as `key=value` pairs on one line: strings as they are, anything else as JSON.
 *
 * @example
 * ```ts
 * eventDetails(event) // 'node=review visit=1 requestId=approve by=ana'
 * ```
 */
export function eventDetails(event: RunEvent): string {
  return Object.entries(event.data)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
}

/**
 * One event as one line: seq, time (UTC), type and details.
 *
 * @example
 * ```ts
 * formatEventLine(event) // '4  2026-01-01 10:00:02  input_received  node=review visit=1 requestId=approve'
 * ```
 */
export function formatEventLine(event: RunEvent): string {
  return [String(event.seq), timestamp(event.at), event.type, eventDetails(event)]
    .filter((part) => part !== '')
    .join('  ')
}
