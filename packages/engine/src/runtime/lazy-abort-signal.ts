/**
 * An `AbortSignal` made when first read: most node bodies never read `ctx.signal`, and making one
 * costs more than a node's own bookkeeping. Aborted before that, it is handed out aborted, with
 * the first reason given.
 */
export class LazyAbortSignal {
  #controller: AbortController | undefined
  #aborted: { reason: unknown } | undefined

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#aborted.reason)
    }
    return this.#controller.signal
  }

  /** Aborts with `reason`; later calls change nothing. */
  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = { reason }
    this.#controller?.abort(reason)
  }
}
