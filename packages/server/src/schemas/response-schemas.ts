import { z } from 'zod'
import { anyJson, component, isoDate } from './registry.js'

const statusSchema = z.enum(['running', 'waiting_for_input', 'completed', 'failed', 'cancelled'])

/** The body of every error response. */
export const errorBodySchema = component(
  'Error',
  z.object({
    error: z.object({
      code: z.string().meta({ description: 'A stable code, such as RUN_NOT_FOUND or FORBIDDEN.' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
)

/** An error response of a route, for its OpenAPI description. */
export function errorResponse(description: string): {
  description: string
  schema: typeof errorBodySchema
} {
  return { description, schema: errorBodySchema }
}

/** An open request. */
export const awaitingInputSchema = component(
  'AwaitingInput',
  z.object({
    requestId: z.string(),
    nodeId: z.string(),
    visit: z.number().int(),
    prompt: z.string().nullable(),
    inputType: z.string(),
    options: z.array(anyJson).nullable(),
    schema: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'JSON Schema of the answer.' }),
    payload: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .meta({ description: 'What the node attached for UIs.' }),
    default: anyJson.optional(),
    createdAt: isoDate,
    expiresAt: isoDate.nullable(),
  }),
)

const runError = z
  .object({ name: z.string(), message: z.string(), code: z.string().optional() })
  .nullable()

/** A run's execution state. */
export const runStateSchema = component(
  'RunState',
  z.object({
    runId: z.string(),
    workflowId: z.string(),
    version: z.number().int(),
    status: statusSchema,
    input: anyJson.meta({ description: 'The run input, as validated at start.' }),
    currentNodes: z.array(z.string()),
    awaitingInput: z.array(awaitingInputSchema),
    state: z.record(z.string(), z.unknown()),
    output: anyJson.optional(),
    error: runError,
    createdAt: isoDate,
    updatedAt: isoDate,
  }),
)

/** A page of `GET /runs`. */
export const runListSchema = component(
  'RunList',
  z.object({
    runs: z.array(
      z.object({
        runId: z.string(),
        workflowId: z.string(),
        version: z.number().int(),
        status: statusSchema,
        currentNodes: z.array(z.string()),
        awaitingInput: z.array(awaitingInputSchema),
        output: anyJson.optional(),
        error: runError,
        createdAt: isoDate,
        updatedAt: isoDate,
      }),
    ),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as cursor for the next page; null on the last.' }),
  }),
)

/** One history event. */
export const runEventSchema = component(
  'RunEvent',
  z.object({
    runId: z.string(),
    seq: z
      .number()
      .int()
      .meta({ description: 'Position in the run history, from 1, without gaps.' }),
    type: z.string(),
    data: z.record(z.string(), z.unknown()),
    at: isoDate,
  }),
)

/** `GET /runs/{id}/events?follow=false`. */
export const eventListSchema = component(
  'EventList',
  z.object({
    events: z.array(runEventSchema),
    nextAfter: z.number().int().nullable().meta({
      description:
        'Pass as after for the next page; null when these are the last events stored so far.',
    }),
  }),
)

/** `GET /workflows`. */
export const workflowListSchema = component(
  'WorkflowList',
  z.object({
    workflows: z.array(
      z.object({
        id: z.string(),
        version: z.number().int(),
        start: z.string().nullable(),
        nodes: z.array(z.object({ id: z.string(), kind: z.enum(['node', 'final']) })),
        edges: z.array(
          z.object({
            from: z.string(),
            to: z.string(),
            guarded: z.boolean().meta({ description: 'Taken only when its condition holds.' }),
          }),
        ),
        inputSchema: z.record(z.string(), z.unknown()).nullable(),
      }),
    ),
  }),
)

/** `GET /answer-link`: the request an answer token is for. */
export const answerLinkSchema = component(
  'AnswerLink',
  z.object({
    runId: z.string(),
    requestId: z.string(),
    visit: z.number().int().nullable(),
    subject: z.string().nullable(),
    expiresAt: isoDate,
    state: z.enum(['open', 'answered', 'closed']).meta({
      description:
        'open: answer it now; answered: done; closed: the run moved on without it, or it is failed and takes no answer until retried (then open again).',
    }),
    request: awaitingInputSchema.nullable().meta({ description: 'The request, while open.' }),
    runStatus: statusSchema,
  }),
)

/** `POST /runs/{id}/input`: what the caller may see once its answers are stored. */
export const deliveryResultSchema = component(
  'DeliveryResult',
  z.union([runStateSchema, answerLinkSchema]).meta({
    description:
      'With an API key, the run (RunState). With an answer token, only what GET /answer-link shows: ' +
      "the token's own request after the delivery and the run's status (AnswerLink).",
  }),
)

/** `GET /healthz`. */
export const healthSchema = component('Health', z.object({ status: z.enum(['ok', 'unavailable']) }))
