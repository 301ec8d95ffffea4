import { defineRoute } from '../http/route.js'
import { healthSchema } from '../schemas/response-schemas.js'

/** `GET /healthz`: 200 when the store answers, 503 when it does not. */
export const health = defineRoute(
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Health check',
    description:
      'Lists one run to check that the store answers. No key needed; reveals nothing else.',
    tag: 'server',
    access: { public: true },
    responses: {
      200: { description: 'The store answers.', schema: healthSchema },
      503: { description: 'The store does not answer.', schema: healthSchema },
    },
  },
  async ({ c, app }) => {
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
