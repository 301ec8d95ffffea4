import { z } from 'zod'
import { anyJson, component } from './registry.js'

const id = z.string().min(1).max(200)
const flag = z.enum(['true', 'false']).transform((value) => value === 'true')
const count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(0).max(max))

/** `{id}` of `/workflows/{id}/runs`. */
export const workflowParams = z.object({ id: id.meta({ description: 'The workflow id.' }) })

/** `{id}` of `/runs/{id}/…`. */
export const runParams = z.object({ id: id.meta({ description: 'The run id.' }) })

/** Body of `POST /workflows/{id}/runs`. */
export const startRunBody = component(
  'StartRunBody',
  z.strictObject({
    input: anyJson
      .optional()
      .meta({ description: "The run input, checked by the workflow's input schema." }),
    version: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'Default: the newest registered version.' }),
    state: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Initial shared state.' }),
    background: z.boolean().optional().meta({
      description:
        'Hand the run to the workers (202) instead of running it to its first halt here.',
    }),
  }),
)

/** Headers of `POST /workflows/{id}/runs`. */
export const startRunHeaders = z.object({
  'idempotency-key': z
    .string()
    // Spaces only inside: HTTP drops them at either end of a header value.
    .regex(
      /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/,
      'must be 1 to 200 printable ASCII characters, not starting or ending with a space',
    )
    .optional()
    .meta({
      description:
        'Starting again with the same key returns the same run instead of a new one. 1 to 200 printable ASCII characters (spaces allowed inside).',
    }),
})

/** Query of `GET /runs`. */
export const listRunsQuery = z.object({
  status: z
    .string()
    .regex(
      /^(running|waiting_for_input|completed|failed|cancelled)(,(running|waiting_for_input|completed|failed|cancelled))*$/,
      'must be statuses separated by commas',
    )
    .transform(
      (value) =>
        value.split(',') as (
          'running' | 'waiting_for_input' | 'completed' | 'failed' | 'cancelled'
        )[],
    )
    .optional()
    .meta({
      description:
        'Only runs with one of these statuses, comma-separated (waiting_for_input for the inbox).',
    }),
  workflow: id.optional().meta({ description: 'Only runs of this workflow id.' }),
  cursor: id
    .optional()
    .meta({ description: "The previous page's nextCursor (or the id of a run that exists)." }),
  limit: count(1000)
    .pipe(z.number().min(1))
    .optional()
    .meta({ description: 'Page size, 1 to 1000; default 100.' }),
})

/** Body of `POST /runs/{id}/input`. */
export const inputBody = component(
  'InputBody',
  z.strictObject({
    answers: z.record(id, z.unknown()).meta({ description: 'Answers keyed by request ID.' }),
    visits: z.record(id, z.number().int().positive()).optional().meta({
      description: 'The node visit each answer is for, by request ID (awaitingInput[].visit).',
    }),
  }),
)

/** Query of `POST /runs/{id}/input`. */
export const inputQuery = z.object({
  mode: z
    .enum(['run', 'step'])
    .optional()
    .meta({ description: 'run (default): to the next halt; step: at most one node.' }),
  background: flag
    .optional()
    .meta({ description: 'true: store the answers and hand the run to the workers (202).' }),
  token: z
    .string()
    .max(2048)
    .optional()
    .meta({ description: 'An answer token, instead of the Authorization header.' }),
})

/** Body of `POST /runs/{id}/cancel`. */
export const cancelBody = component(
  'CancelBody',
  z.strictObject({ reason: z.string().max(1000).optional() }),
)

/** Body of `POST /runs/{id}/fork`. */
export const forkBody = component(
  'ForkBody',
  z.strictObject({
    at: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({ description: 'The event seq to fork at; default: the latest checkpoint.' }),
    background: z
      .boolean()
      .optional()
      .meta({ description: 'Hand the new run to the workers (202) instead of running it here.' }),
  }),
)

/** Body of `POST /runs/{id}/retry`: nothing, or an empty object. */
export const retryBody = component('RetryBody', z.strictObject({}))

/** Query of `GET /runs/{id}/events`. */
export const eventsQuery = z.object({
  after: count(Number.MAX_SAFE_INTEGER)
    .optional()
    .meta({ description: 'Only events after this seq (Last-Event-ID wins when both are sent).' }),
  follow: flag.optional().meta({
    description:
      'false: the stored history as JSON. Default: a text/event-stream that follows the run.',
  }),
  limit: count(10_000).pipe(z.number().min(1)).optional().meta({
    description:
      'With follow=false: most events in the reply, 1 to 10000; default 1000. nextAfter pages on.',
  }),
})

/** Headers of `GET /runs/{id}/events`. */
export const eventsHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,15}$/, 'must be an event seq')
    .optional()
    .meta({ description: 'Resume after this event (sent by EventSource when it reconnects).' }),
})

/** Query of `GET /answer-link`. */
export const answerLinkQuery = z.object({
  token: z.string().max(2048).optional().meta({ description: 'The answer token of the link.' }),
})
