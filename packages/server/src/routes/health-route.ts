import { defineRoute } from '../http/route.js'
import { healthSchema } from '../schemas/response-schemas.js'

/** `GET /healthz`: 200 when the store answers, 503 when it does not or the server shuts down. */
export const health = defineRoute(
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Health check',
    description:
      'Lists one run to check that the store answers. No key needed; reveals nothing else. ' +
      'While the server shuts down it answers 503 with status unavailable (and Connection: close), so that load balancers stop sending traffic.',
    tag: 'server',
    access: { public: true },
    responses: {
      200: { description: 'The store answers.', schema: healthSchema },
      503: {
        description: 'The store does not answer, or the server is shutting down; see Retry-After.',
        schema: healthSchema,
      },
    },
  },
  async ({ c, app }) => {
    if (app.signal.aborted) {
      c.header('retry-after', '1')
      c.header('connection', 'close')
      return c.json({ status: 'unavailable' }, 503)
    }
    try {
      await app.hp.list({ limit: 1 })
      return c.json({ status: 'ok' })
    } catch (error) {
      app.logger.warn({ err: error }, 'health check: the store does not answer')
      c.header('retry-after', '1')
      return c.json({ status: 'unavailable' }, 503)
    }
  },
)
