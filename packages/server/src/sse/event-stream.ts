import type { RunEvent } from 'holdpoint'

/** How an event stream ended, for the log. */
export interface StreamEnd {
  events: number
  lastSeq: number | undefined
  reason: 'finished' | 'aborted' | 'failed'
  error?: unknown
}

/** Options of `eventStreamResponse`. */
export interface EventStreamOptions {
  /** A comment line is sent after this long without events, so proxies keep the connection. */
  heartbeatMs: number
  /** Ends the stream, such as the server shutting down. */
  signal: AbortSignal
  /** Told once, when the stream ends for any reason. */
  onEnd(end: StreamEnd): void
  /** What to send as the last event when the source throws. */
  describeError(error: unknown): unknown
}

const encoder = new TextEncoder()

/**
 * Serves run events as Server-Sent Events: `id:` is the event's seq (so EventSource resumes with
 * Last-Event-ID), `event:` its type, `data:` the event as JSON. The source receives a signal that
 * aborts when the client goes away or `options.signal` fires. The source is opened when the body
 * is first read, so a response that is never read (the answer to a HEAD) holds nothing open.
 *
 * @example
 * ```ts
 * return eventStreamResponse((signal) => hp.events(runId, { after, follow: true, signal }), options)
 * ```
 */
export function eventStreamResponse(
  source: (signal: AbortSignal) => AsyncIterable<RunEvent>,
  options: EventStreamOptions,
): Response {
  const abort = new AbortController()
  const stop = (): void => abort.abort()
  let iterator: AsyncIterator<RunEvent> | undefined
  // On the first read, not now: a response dropped unread (HEAD, which Hono answers with the GET
  // handler) is never pulled or cancelled, so a listener added now would stay on the app's signal.
  const open = (): AsyncIterator<RunEvent> => {
    if (options.signal.aborted) abort.abort()
    else options.signal.addEventListener('abort', stop, { once: true })
    return source(abort.signal)[Symbol.asyncIterator]()
  }
  let pending: Promise<IteratorResult<RunEvent>> | undefined
  let count = 0
  let lastSeq: number | undefined
  let ended = false
  const end = (reason: StreamEnd['reason'], error?: unknown): void => {
    if (ended) return
    ended = true
    options.signal.removeEventListener('abort', stop)
    abort.abort()
    options.onEnd({ events: count, lastSeq, reason, ...(error === undefined ? {} : { error }) })
  }

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Sent at once, so that clients (and proxies) see the stream open before the first event.
      controller.enqueue(encoder.encode(': holdpoint run events\nretry: 2000\n\n'))
    },
    async pull(controller) {
      iterator ??= open()
      if (!pending) {
        pending = iterator.next()
        // Awaited by a later pull; a stream cancelled before then must not leave it unhandled.
        pending.catch(() => {})
      }
      let next: IteratorResult<RunEvent> | 'heartbeat'
      const quiet = delay(options.heartbeatMs, abort.signal)
      try {
        next = await Promise.race([pending, quiet.elapsed])
      } catch (error) {
        controller.enqueue(frame('stream_error', undefined, options.describeError(error)))
        controller.close()
        return end('failed', error)
      } finally {
        quiet.cancel()
      }
      if (next === 'heartbeat') {
        if (abort.signal.aborted) {
          controller.close()
          return end('aborted')
        }
        controller.enqueue(encoder.encode(': heartbeat\n\n'))
        return
      }
      pending = undefined
      if (next.done) {
        controller.close()
        return end(abort.signal.aborted ? 'aborted' : 'finished')
      }
      count++
      lastSeq = next.value.seq
      controller.enqueue(frame(next.value.type, next.value.seq, next.value))
    },
    cancel() {
      end('aborted')
      void iterator?.return?.()
    },
  })
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  })
}

function frame(event: string, id: number | undefined, data: unknown): Uint8Array {
  // JSON.stringify never emits raw line breaks, so the data is always one `data:` line.
  const idLine = id === undefined ? '' : `id: ${id}\n`
  return encoder.encode(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
}

/** `elapsed` resolves with 'heartbeat' after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): { elapsed: Promise<'heartbeat'>; cancel(): void } {
  let cancel = (): void => {}
  const elapsed = new Promise<'heartbeat'>((resolve) => {
    if (signal.aborted) return resolve('heartbeat')
    const timer = setTimeout(() => done(), ms)
    const done = (): void => {
      cancel()
      resolve('heartbeat')
    }
    cancel = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
    }
    signal.addEventListener('abort', done, { once: true })
  })
  return { elapsed, cancel }
}
