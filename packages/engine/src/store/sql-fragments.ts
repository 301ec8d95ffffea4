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
