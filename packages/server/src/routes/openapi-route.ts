import { z } from 'zod'
import { defineRoute } from '../http/route.js'

/** `GET /openapi.json`: this API's OpenAPI 3.1 document. */
export const openApi = defineRoute(
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApi',
    summary: 'The OpenAPI document',
    description:
      'This document: OpenAPI 3.1, generated from the zod schemas that validate each request.',
    tag: 'server',
    access: { public: true },
    responses: {
      200: { description: 'The OpenAPI 3.1 document.', schema: z.record(z.string(), z.unknown()) },
    },
  },
  async ({ c, app }) => c.json(app.openApi()),
)
