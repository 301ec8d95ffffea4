import { sql } from 'kysely'
import { json } from './rows.js'
import type { NewRunEvent, Scheduling } from './store.js'

/** The channel `NOTIFY` wakes workers on. */
export const WAKE_CHANNEL = 'holdpoint_wake'

/** Subscribes to a notification channel; resolves to a function that unsubscribes. */
export type Listen = (channel: string, onNotify: () => void) => Promise<() => Promise<void>>

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

/** A CTE appending history events, numbered after the run's last sequence. */
export function insertEvents(events: readonly NewRunEvent[], at: Date) {
  if (events.length === 0) return sql``
  return sql`, history AS (
    INSERT INTO holdpoint.events (run_id, seq, type, data, at)
    SELECT run.id, run.event_seq - ${events.length} + e.ord::int, e.value->>'type', e.value->'data', ${at}
    FROM run, jsonb_array_elements(${json(events)}::jsonb) WITH ORDINALITY AS e(value, ord)
  )`
}
