import { sql } from 'kysely'
import { json } from './rows.js'
import type { NewRunEvent, Scheduling } from './store.js'

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

/** A `pg_notify` in the statement's result, so workers hear of the run at commit. */
export function notifyColumn(s: Scheduling) {
  return s.notify ? sql`, pg_notify(${WAKE_CHANNEL}, '')` : sql``
}

/** A CTE appending a checkpoint's events to history as one row, numbered up to the run's new last sequence. */
export function insertEvents(events: readonly NewRunEvent[], at: Date) {
  if (events.length === 0) return sql``
  return sql`, history AS (
    INSERT INTO holdpoint.history (run_id, last_seq, at, events)
    SELECT run.id, run.event_seq, ${at}, ${json(events.map((e) => [e.type, e.data]))}::jsonb
    FROM run
  )`
}

/** A `pg_notify` to the run's followers, sent only when someone follows it. */
export function notifyFollowers(events: readonly NewRunEvent[]) {
  if (events.length === 0) return sql``
  return sql`, (SELECT pg_notify(${EVENTS_CHANNEL}, run.id::text) FROM holdpoint.followers f
     WHERE f.run_id = run.id AND f.until > now())`
}
