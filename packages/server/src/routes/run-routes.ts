import type { ListOptions } from 'holdpoint'
import { defineRoute } from '../http/route.js'
import {
  listRunsQuery,
  runParams,
  startRunBody,
  startRunHeaders,
  workflowParams,
} from '../schemas/request-schemas.js'
import {
  errorResponse as error,
  runListSchema,
  runStateSchema,
} from '../schemas/response-schemas.js'
import { listCursor, parseListCursor } from '../views/list-cursor.js'
import { toRunListItem, toRunState } from '../views/run-view.js'
import { runToHalt } from './run-to-halt.js'

/** `POST /workflows/{id}/runs`: starts a run and runs it to its first halt, or hands it to the workers. */
export const startRun = defineRoute(
  {
    method: 'post',
    path: '/workflows/{id}/runs',
    operationId: 'startRun',
    summary: 'Start a run',
    description:
      'Validates the input, creates the run and runs it here until it halts (waits for input, completes or fails): 201 with its state. ' +
      'With background: true the run is handed to the workers and the answer is 202 at once. ' +
      'An Idempotency-Key makes a retried start return the run the first one created.',
    tag: 'runs',
    access: { scope: 'admin' },
    params: workflowParams,
    headers: startRunHeaders,
    body: startRunBody,
    responses: {
      201: { description: 'Started and run to its first halt.', schema: runStateSchema },
      202: {
        description: 'Started; the workers run it (or another request already is).',
        schema: runStateSchema,
      },
      400: error('A malformed request.'),
      404: error('No such workflow (WORKFLOW_NOT_FOUND).'),
      409: error('The version is not registered (VERSION_MISMATCH).'),
      422: error(
        'The input or state fails its schema (INVALID_INPUT), or the Idempotency-Key was used with another body (IDEMPOTENCY_CONFLICT).',
      ),
    },
  },
  async ({ c, params, headers, body, rawBody, app }) => {
    const options = {
      ...(body?.version === undefined ? {} : { version: body.version }),
      ...(body?.state === undefined
        ? {}
        : { state: (rawBody as { state: Record<string, unknown> }).state }),
      ...(body?.background ? { background: true } : {}),
      ...(headers['idempotency-key'] === undefined
        ? {}
        : { idempotencyKey: headers['idempotency-key'] }),
    }
    const engine = await app.hp.start(params.id as never, body?.input as never, options)
    app.note(c, { runId: engine.runId, workflow: params.id })
    const { state, status } = await runToHalt(engine, body?.background)
    return c.json(toRunState(state), status)
  },
)

/** `GET /runs`: the inbox, one page at a time. */
export const listRuns = defineRoute(
  {
    method: 'get',
    path: '/runs',
    operationId: 'listRuns',
    summary: 'List runs (the inbox)',
    description:
      'Runs, oldest first, with the requests each waits on; ?status=waiting_for_input is the inbox. ' +
      'Pages: pass nextCursor as cursor until it is null.',
    tag: 'runs',
    access: { scope: 'read' },
    query: listRunsQuery,
    responses: {
      200: { description: 'A page of runs.', schema: runListSchema },
      400: error('A malformed query.'),
      422: error(
        'INVALID_ARGUMENT: a cursor that is a run id naming no run (deleted while paging); a nextCursor keeps its place.',
      ),
    },
  },
  async ({ c, query, app }) => {
    const limit = query.limit ?? 100
    const filter: ListOptions = { limit }
    if (query.status) filter.status = query.status
    if (query.workflow !== undefined) filter.workflow = query.workflow
    if (query.cursor !== undefined) filter.after = parseListCursor(query.cursor)
    const runs = await app.hp.list(filter)
    const last = runs.at(-1)
    return c.json({
      runs: runs.map(toRunListItem),
      nextCursor: runs.length === limit && last ? listCursor(last) : null,
    })
  },
)

/** `GET /runs/{id}`: one run's execution state. */
export const getRun = defineRoute(
  {
    method: 'get',
    path: '/runs/{id}',
    operationId: 'getRun',
    summary: 'Get a run',
    description:
      'The run as stored now: status, current node, the requests it waits on, state, output, error.',
    tag: 'runs',
    access: { scope: 'read' },
    params: runParams,
    responses: {
      200: { description: 'The run.', schema: runStateSchema },
      404: error('No such run (RUN_NOT_FOUND).'),
      409: error("The run's workflow version is not registered here (VERSION_MISMATCH)."),
    },
  },
  async ({ c, params, app }) => {
    app.note(c, { runId: params.id })
    const engine = await app.hp.load(params.id)
    return c.json(toRunState(engine.executionState))
  },
)
