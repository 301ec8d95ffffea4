import { HttpError } from '../http/http-error.js'
import { defineRoute } from '../http/route.js'
import { answerLinkQuery } from '../schemas/request-schemas.js'
import { answerLinkSchema, errorBodySchema } from '../schemas/response-schemas.js'
import { answerLinkView } from '../views/answer-link-view.js'

/** `GET /answer-link`: what an answer token lets its holder answer, so a page can show the form. */
export const showAnswerLink = defineRoute(
  {
    method: 'get',
    path: '/answer-link',
    operationId: 'showAnswerLink',
    summary: 'Show the request of an answer link',
    description:
      'For the page an answer link opens: the request the token is for (prompt, input type, options, JSON Schema, payload) while it is open, ' +
      'or whether it was answered or closed. Needs the token (?token= or Authorization: AnswerToken <token>), no API key.',
    tag: 'answer links',
    access: { token: 'only' },
    query: answerLinkQuery,
    responses: {
      200: { description: 'The request.', schema: answerLinkSchema },
      401: { description: 'No token, a bad one, or an expired one.', schema: errorBodySchema },
      404: { description: 'The run is gone (RUN_NOT_FOUND).', schema: errorBodySchema },
      409: {
        description:
          "The run's workflow version is not registered in this server (VERSION_MISMATCH).",
        schema: errorBodySchema,
      },
    },
  },
  async ({ c, principal, app }) => {
    if (principal.kind !== 'token')
      throw new HttpError(401, 'INVALID_TOKEN', 'An answer token is needed.')
    const { claims } = principal
    app.note(c, { runId: claims.runId, requestIds: [claims.requestId] })
    const engine = await app.hp.load(claims.runId)
    return c.json(await answerLinkView(app.hp, claims, engine.executionState))
  },
)
