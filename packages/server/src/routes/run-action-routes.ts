import { defineRoute } from '../http/route.js'
import { cancelBody, forkBody, retryBody, runParams } from '../schemas/request-schemas.js'
import { errorResponse as error, runStateSchema } from '../schemas/response-schemas.js'
import { toRunState } from '../views/run-view.js'
import { runToHalt } from './run-to-halt.js'

/** `POST /runs/{id}/cancel`. */
export const cancelRun = defineRoute(
  {
    method: 'post',
    path: '/runs/{id}/cancel',
    operationId: 'cancelRun',
    summary: 'Cancel a run',
    description:
      'Ends the run and closes its open requests; a node executing in another process learns of it at its next lease renewal. Cancelling a completed or cancelled run changes nothing.',
    tag: 'runs',
    access: { scope: 'admin' },
    params: runParams,
    body: cancelBody,
    responses: {
      200: { description: 'The run, cancelled.', schema: runStateSchema },
      404: error('No such run (RUN_NOT_FOUND).'),
      409: error('CONCURRENT_MODIFICATION, VERSION_MISMATCH.'),
    },
  },
  async ({ c, params, body, app }) => {
    app.note(c, { runId: params.id })
    const engine = await app.hp.load(params.id)
    return c.json(toRunState(await engine.cancel(body?.reason)))
  },
)

/** `POST /runs/{id}/retry`. */
export const retryRun = defineRoute(
  {
    method: 'post',
    path: '/runs/{id}/retry',
    operationId: 'retryRun',
    summary: 'Retry a failed run',
    description:
      'Runs the node the run failed at again, here, with a fresh round of attempts, then on until the run halts. Recorded answers and step results are reused.',
    tag: 'runs',
    access: { scope: 'admin' },
    params: runParams,
    body: retryBody,
    responses: {
      200: { description: 'The run as it halted.', schema: runStateSchema },
      404: error('No such run (RUN_NOT_FOUND).'),
      409: error('The run has not failed (RUN_NOT_FAILED), or RUN_LEASED, VERSION_MISMATCH.'),
    },
  },
  async ({ c, params, app }) => {
    app.note(c, { runId: params.id })
    const engine = await app.hp.load(params.id)
    return c.json(toRunState(await engine.retry()))
  },
)

/** `POST /runs/{id}/fork`. */
export const forkRun = defineRoute(
  {
    method: 'post',
    path: '/runs/{id}/fork',
    operationId: 'forkRun',
    summary: 'Fork a run',
    description:
      'A new run that starts from a checkpoint of this one (at: an event seq; default the latest), then runs here until it halts (201), or, with background, is handed to the workers (202).',
    tag: 'runs',
    access: { scope: 'admin' },
    params: runParams,
    body: forkBody,
    responses: {
      201: { description: 'The new run, run to its first halt.', schema: runStateSchema },
      202: { description: 'The new run, handed to the workers.', schema: runStateSchema },
      404: error('No such run (RUN_NOT_FOUND).'),
      409: error('VERSION_MISMATCH.'),
      422: error('No checkpoint at that seq (INVALID_FORK_POINT).'),
    },
  },
  async ({ c, params, body, app }) => {
    app.note(c, { runId: params.id })
    const engine = await app.hp.fork(params.id, {
      ...(body?.at === undefined ? {} : { at: body.at }),
      ...(body?.background ? { background: true } : {}),
    })
    app.note(c, { forkId: engine.runId })
    const { state, status } = await runToHalt(engine, body?.background)
    return c.json(toRunState(state), status)
  },
)
