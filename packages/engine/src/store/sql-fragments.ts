import { sql } from 'kysely'
import type { Scheduling } from './store.js'

/** The channel `NOTIFY` wakes workers on. */
export const WAKE_CHANNEL = 'holdpoint_wake'

/** The channel `NOTIFY` tells followers of a run's new events on; the payload is the run id. */
export const EVENTS_CHANNEL = 'holdpoint_events'

/**
 * Subscribes to a notification channel; resolves to a function that unsubscribes. `payload` is
 * `undefined` when notifications may have been missed (after a reconnect).
 */
export type Listen = (
  channel: string,
  onNotify: (payload?: string) => void,
) => Promise<() => Promise<void>>

/** `lease_owner, lease_until, wake_at` for a scheduling, timed by the database's clock. */
export function schedulingValues(s: Scheduling) {
  const leaseUntil = s.lease
    ? sql`now() + ${s.lease.ms}::int * interval '1 millisecond'`
    : sql`NULL::timestamptz`
  const wakeAt =
    s.wake === null
      ? sql`NULL::timestamptz`
      : s.wake === 'now'
        ? sql`now()`
        : s.wake === 'lease'
          ? leaseUntil
          : sql`${s.wake}::timestamptz`
  return sql`${s.lease?.owner ?? null}::text, ${leaseUntil}, ${wakeAt}`
}
