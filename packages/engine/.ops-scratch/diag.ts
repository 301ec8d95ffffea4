import pg from 'pg'
const emit = pg.Client.prototype.emit
pg.Client.prototype.emit = function (this: pg.Client & Record<string, unknown>, event: string, ...args: unknown[]) {
  if (event === 'error' && this.listenerCount('error') === 0) {
    console.log('UNHANDLED client error:', {
      notificationListeners: this.listenerCount('notification'),
      pooled: typeof this.release === 'function',
      activeQuery: Boolean((this as { activeQuery?: unknown }).activeQuery),
      queued: ((this as { queryQueue?: unknown[] }).queryQueue ?? []).length,
      ending: this._ending, connecting: this._connecting,
      message: (args[0] as Error).message,
    })
    console.log(new Error('emit site').stack)
  }
  return emit.call(this, event, ...args)
} as typeof emit
