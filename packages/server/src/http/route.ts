import type { Context } from 'hono'
import type { z } from 'zod'
import { authenticate, type Access, type Principal } from '../auth/authenticate.js'
import type { AppContext, AppEnv } from '../app-context.js'
import { HttpError } from './http-error.js'
import { NO_BODY, readJsonBody } from './read-body.js'

/** One documented response of a route. */
export interface ResponseSpec {
  description: string
  schema?: z.ZodType
  /** A `text/event-stream` response rather than JSON. */
  eventStream?: boolean
}

/** A route: how it is called, who may call it, what it accepts and answers. */
export interface RouteSpec<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
> {
  method: 'get' | 'post'
  /** OpenAPI style: `/runs/{id}/input`. */
  path: string
  operationId: string
  summary: string
  description?: string
  tag: string
  access: Access
  params?: P
  query?: Q
  headers?: H
  body?: B
  /** Refuse a request without a body (400); otherwise an absent body is `undefined`. */
  bodyRequired?: boolean
  responses: Readonly<Record<number, ResponseSpec>>
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined

/** What a route's handler receives: the request, validated. */
export interface RouteCall<P, Q, H, B> {
  c: Context<AppEnv>
  params: Out<P>
  query: Out<Q>
  headers: Out<H>
  body: Out<B> | undefined
  /** The body as parsed from JSON, before validation dropped anything (such as `__proto__` keys). */
  rawBody: unknown
  principal: Principal
  app: AppContext
}

/** A route, ready to mount. */
export interface Route {
  spec: RouteSpec<
    z.ZodType | undefined,
    z.ZodType | undefined,
    z.ZodType | undefined,
    z.ZodType | undefined
  >
  run(c: Context<AppEnv>, app: AppContext): Promise<Response>
}

/**
 * Pairs a route's spec with its handler. The same zod schemas validate the request here and
 * describe it in the OpenAPI document, so the two cannot drift apart.
 *
 * @example
 * ```ts
 * export const getRun = defineRoute(
 *   { method: 'get', path: '/runs/{id}', operationId: 'getRun', summary: 'A run', tag: 'runs',
 *     access: { scope: 'read' }, params: runParams, responses: { 200: { description: 'The run', schema: runStateSchema } } },
 *   async ({ c, params, app }) => c.json(toRunState((await app.hp.load(params.id)).executionState)),
 * )
 * ```
 */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, H, B>, handle: (call: RouteCall<P, Q, H, B>) => Promise<Response>): Route {
  return {
    spec,
    async run(c, app) {
      const principal = authenticate(
        c.req.header('authorization'),
        c.req.query('token'),
        spec.access,
        app.credentials,
      )
      app.note(c, { principal: describePrincipal(principal) })
      // Read by the app's error handler: whatever fails from here on is answered within the token's scope.
      if (principal.kind === 'token') c.set('answerToken', principal.claims)
      const params = validate(spec.params, c.req.param(), 'path')
      const query = validate(spec.query, c.req.query(), 'query')
      const headers = validate(spec.headers, headersFor(spec.headers, c), 'header')
      let rawBody: unknown
      let body: unknown
      if (spec.body) {
        rawBody = await readJsonBody(c.req.raw, app.bodyLimitBytes)
        if (rawBody === NO_BODY) {
          if (spec.bodyRequired) {
            throw new HttpError(400, 'INVALID_REQUEST', 'This request needs a JSON body.')
          }
          rawBody = undefined
        } else {
          body = validate(spec.body, rawBody, 'body')
        }
      }
      return handle({
        c,
        params: params as Out<P>,
        query: query as Out<Q>,
        headers: headers as Out<H>,
        body: body as Out<B> | undefined,
        rawBody,
        principal,
        app,
      })
    },
  }
}

function validate(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new HttpError(400, 'INVALID_REQUEST', `The request's ${where} is not valid.`, {
    in: where,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
      message: issue.message,
      code: issue.code,
    })),
  })
}

/** Only the headers the route declares, by their lower-case names. */
function headersFor(
  schema: z.ZodType | undefined,
  c: Context<AppEnv>,
): Record<string, string | undefined> {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape ?? {}
  return Object.fromEntries(Object.keys(shape).map((name) => [name, c.req.header(name)]))
}

function describePrincipal(principal: Principal): string | undefined {
  if (principal.kind === 'key') return `key:${principal.name}`
  if (principal.kind === 'token') return 'answer-token'
  return undefined
}
