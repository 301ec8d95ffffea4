import { FINAL_EVENT_TYPES, type Holdpoint, type RunEvent } from 'holdpoint'
import { errorReply } from '../http/error-response.js'
import { defineRoute } from '../http/route.js'
import { eventsHeaders, eventsQuery, runParams } from '../schemas/request-schemas.js'
import { errorBodySchema, eventListSchema } from '../schemas/response-schemas.js'
import { eventStreamResponse } from '../sse/event-stream.js'

/** `GET /runs/{id}/events`: the run's history, followed live as Server-Sent Events. */
export const runEvents = defineRoute(
  {
    method: 'get',
    path: '/runs/{id}/events',
    operationId: 'runEvents',
    summary: "Follow a run's events",
    description:
      'A text/event-stream: every event after Last-Event-ID (or ?after=), then new ones as they happen in any process, until the run completes, fails or is cancelled; then the stream ends. ' +
      'Each message has id: the event seq, event: its type, data: the event as JSON. A comment is sent every 15 s without events. ' +
      'Reconnecting after the final event gets 204, which tells EventSource to stop. With follow=false: the stored history as JSON.',
    tag: 'events',
    access: { scope: 'read' },
    params: runParams,
    query: eventsQuery,
    headers: eventsHeaders,
    responses: {
      200: { description: 'The events.', eventStream: true, schema: eventListSchema },
      204: { description: 'The run has ended and the client has every event up to its end.' },
      404: { description: 'No such run (RUN_NOT_FOUND).', schema: errorBodySchema },
      409: {
        description:
          "The server's Holdpoint writes no history (HISTORY_DISABLED): it has no events to send.",
        schema: errorBodySchema,
      },
    },
  },
  async ({ c, params, query, headers, app }) => {
    const runId = params.id
    const lastEventId = headers['last-event-id']
    const after = lastEventId === undefined ? (query.after ?? 0) : Number(lastEventId)
    app.note(c, { runId, after })
    if (query.follow === false) {
      // A page at a time: a run that loops for months has a history no reply should hold whole.
      const limit = query.limit ?? 1000
      const events: RunEvent[] = []
      let more = false
      for await (const event of app.hp.events(runId, { after })) {
        if (events.length === limit) {
          more = true
          break
        }
        events.push(event)
      }
      return c.json({ events, nextAfter: more ? (events.at(-1)?.seq ?? after) : null })
    }
    // Read before answering, so that an unknown run is a 404 rather than a broken stream.
    if (await endedAt(app.hp, runId, after)) return c.body(null, 204)
    const log = app.logger.child({ runId })
    return eventStreamResponse((signal) => app.hp.events(runId, { after, follow: true, signal }), {
      heartbeatMs: app.heartbeatMs,
      signal: app.signal,
      describeError: (error) => errorReply(error).body,
      onEnd: (end) => {
        const fields = { events: end.events, lastSeq: end.lastSeq, reason: end.reason }
        if (end.reason === 'failed') log.error({ ...fields, err: end.error }, 'event stream failed')
        else log.info(fields, 'event stream closed')
      },
    })
  },
)

/**
 * True when the client's last event (`after`) ended the run and nothing came after it. Throws
 * RUN_NOT_FOUND for an unknown run.
 */
async function endedAt(hp: Holdpoint, runId: string, after: number): Promise<boolean> {
  let last: RunEvent | undefined
  let more = false
  for await (const event of hp.events(runId, { after: Math.max(after - 1, 0) })) {
    if (event.seq === after && last === undefined) last = event
    else {
      more = true
      break
    }
  }
  return last !== undefined && !more && FINAL_EVENT_TYPES.has(last.type)
}
