/**
 * Web hand-off: the request that sees the prompt is not the one that receives the answer.
 *
 * Ports the web-application pattern of the LlamaIndex pages ("Web Application Integration":
 * `POST /start-workflow` returns the prompt, `POST /respond/{workflow_id}` sends the response)
 * and Grapheteria's "Method 2: server-based detection". In the originals the running handler
 * lives in a module-level dict (`active_workflows[workflow_id]`), or the context is snapshotted
 * with `ctx.to_dict()`, stored, the handler cancelled, and the context restored when the answer
 * comes in.
 *
 * What Holdpoint does better:
 * - Nothing the run needs lives in the web process. `POST /runs` starts a run and returns as
 *   soon as it waits; `POST /runs/:id/input` may land on any instance behind the load
 *   balancer, which loads the run from Postgres and resumes it. No dict to lose on a restart or
 *   to share between instances, no snapshot to store, no handler to cancel.
 * - The instance that started the run may keep it paused in memory (an answer arriving there
 *   resumes right after the `await`); when another instance moves the run on, that copy is
 *   dropped on its next load (compare-and-swap on the row version), so nothing resumes twice.
 * - Bad answers are rejected before anything is stored, with typed error codes the client can
 *   act on: 400 for invalid input, 404 for an unknown run, 409 for a conflict, never a 500.
 *
 * Routes:
 * - `POST /runs` with `{ "topic": "…" }`: starts an approval run; 201 with its execution state
 *   (`runId`, `status`, `awaitingInput` with prompts, options and JSON Schemas).
 * - `POST /runs/:id/input` with answers keyed by request ID (`{ "approve": "yes" }`): delivers
 *   them and runs to the next halt; 200 with the execution state.
 * - `GET /runs/:id`: the execution state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HoldpointError, createHoldpoint } from 'holdpoint'
import type { HoldpointErrorCode, Store } from 'holdpoint'
import { createApprovalWorkflow, type ApprovalOptions } from '../approval.js'
import { HttpError, readJsonObject, sendJson } from './http-json.js'

/** Options of `createWebHandoffApp`. */
export interface WebHandoffOptions extends ApprovalOptions {
  /** Where runs live; every instance of the app must share it. */
  store: Store
  /** Unexpected errors go here; default `console.error`. */
  onError?: (error: unknown) => void
}

/** A running (or ready to run) web hand-off app. */
export interface WebHandoffApp {
  readonly server: Server
  /** Starts listening; resolves with the port (useful with port 0). */
  listen(port?: number, host?: string): Promise<number>
  /** Stops accepting requests, then closes the Holdpoint and its store. */
  close(): Promise<void>
}

/** HTTP statuses for Holdpoint error codes; a code not listed here is a server error. */
const statusOf: Partial<Record<HoldpointErrorCode, number>> = {
  RUN_NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  INVALID_INPUT: 400,
  UNKNOWN_REQUEST: 400,
  NOT_SERIALIZABLE: 400,
  ALREADY_ANSWERED: 409,
  RUN_NOT_WAITING: 409,
  CONCURRENT_MODIFICATION: 409,
  RUN_CANCELLED: 409,
}

const runPath = /^\/runs\/([^/]+)(\/input)?$/

/**
 * The hand-off app over a store: the approval workflow behind three routes, on `node:http`.
 *
 * @example
 * ```ts
 * const app = createWebHandoffApp({ store: postgresStore({ connectionString: process.env.DATABASE_URL! }) })
 * const port = await app.listen(3000)
 * // curl -X POST localhost:3000/runs -d '{"topic":"AI safety"}'
 * // curl -X POST localhost:3000/runs/<runId>/input -d '{"approve":"yes"}'
 * ```
 */
export function createWebHandoffApp(options: WebHandoffOptions): WebHandoffApp {
  const { store, onError = (error: unknown) => console.error(error), ...approval } = options
  const hp = createHoldpoint({ workflows: [createApprovalWorkflow(approval)], store })

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = pathOf(req.url)
    const method = req.method ?? 'GET'

    if (pathname === '/runs') {
      if (method !== 'POST') throw methodNotAllowed('POST')
      const body = await readJsonObject(req)
      // hp.start validates the input against the workflow's schema: no topic is INVALID_INPUT.
      const engine = await hp.start('approval', { topic: body.topic as string })
      const state = await engine.run()
      sendJson(res, 201, state, { location: `/runs/${state.runId}` })
      return
    }

    const match = runPath.exec(pathname)
    if (match) {
      const runId = decodeSegment(match[1] ?? '')
      if (match[2] === undefined) {
        if (method !== 'GET') throw methodNotAllowed('GET')
        sendJson(res, 200, (await hp.load(runId)).executionState)
        return
      }
      if (method !== 'POST') throw methodNotAllowed('POST')
      // Read the body first: a malformed body must not cost a database round trip.
      const answers = await readJsonObject(req)
      const engine = await hp.load(runId)
      sendJson(res, 200, await engine.run(answers))
      return
    }

    throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${pathname}.`)
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const { status, body } = describeError(error)
      if (status >= 500) onError(error)
      if (res.headersSent) res.destroy()
      else sendJson(res, status, body)
    })
  })

  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve((server.address() as AddressInfo).port)
        })
      })
    },
    async close() {
      if (server.listening) {
        await new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        )
      }
      await hp.close()
    },
  }
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname
  } catch {
    throw new HttpError(400, 'INVALID_INPUT', 'The request URL is malformed.')
  }
}

/** A malformed escape cannot name a run; left as it is, it is simply not found. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function methodNotAllowed(allowed: string): HttpError {
  return new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${allowed} here.`)
}

/** The HTTP status and `{ error }` body for anything a route threw. */
function describeError(error: unknown): {
  status: number
  body: { error: Record<string, unknown> }
} {
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message } } }
  }
  if (HoldpointError.is(error)) {
    const issues = 'issues' in error ? { issues: error.issues } : {}
    return {
      status: statusOf[error.code] ?? 500,
      body: { error: { code: error.code, message: error.message, ...issues } },
    }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal server error.' } } }
}
