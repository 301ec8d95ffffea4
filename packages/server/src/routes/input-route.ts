import { answeredBy, type Principal } from '../auth/authenticate.js'
import { defineRoute } from '../http/route.js'
import { HttpError } from '../http/http-error.js'
import { inputBody, inputQuery, runParams } from '../schemas/request-schemas.js'
import { deliveryResultSchema, errorResponse as error } from '../schemas/response-schemas.js'
import { answerLinkView } from '../views/answer-link-view.js'
import { toRunState } from '../views/run-view.js'

type Answers = Record<string, unknown>
type Visits = Record<string, number>

/** `POST /runs/{id}/input`: delivers answers, with an API key (scope answer) or an answer token. */
export const deliverInput = defineRoute(
  {
    method: 'post',
    path: '/runs/{id}/input',
    operationId: 'deliverInput',
    summary: 'Answer requests',
    description:
      'Validates and stores the answers, then runs the run on here until it halts (mode=run, the default) or for at most one node (mode=step); ' +
      'background=true stores them and hands the run to the workers (202). The same answer twice is a no-op; a different one is ALREADY_ANSWERED. ' +
      'Callable with an API key with the answer scope, or with an answer token (Authorization: AnswerToken <token>, or ?token=) for exactly the request it names. ' +
      "With an API key the response is the run (RunState); with an answer token it is only what GET /answer-link shows (AnswerLink): the token's request after the delivery and the run's status, never the run's input, state, output, other requests or other people's answers. " +
      "Errors answered to a token likewise keep their code and status but name only the token's request: no other requests awaited, no error a node threw.",
    tag: 'runs',
    access: { scope: 'answer', token: 'also' },
    params: runParams,
    query: inputQuery,
    body: inputBody,
    bodyRequired: true,
    responses: {
      200: {
        description:
          "Stored; the run as it halted (RunState), or for an answer token the link's request (AnswerLink).",
        schema: deliveryResultSchema,
      },
      202: {
        description:
          "Stored and handed to the workers; the run (RunState), or for an answer token the link's request (AnswerLink).",
        schema: deliveryResultSchema,
      },
      400: error('A malformed request.'),
      401: error('No valid API key or answer token.'),
      403: error('The key lacks the answer scope, or the token is for another run or request.'),
      404: error('No such run (RUN_NOT_FOUND).'),
      409: error(
        'ALREADY_ANSWERED, RUN_NOT_WAITING, RUN_LEASED, CONCURRENT_MODIFICATION, VERSION_MISMATCH.',
      ),
      413: error('An answer over its size limit (PAYLOAD_TOO_LARGE).'),
      422: error(
        'An answer fails its schema (INVALID_INPUT) or names a request the run is not waiting for (UNKNOWN_REQUEST).',
      ),
    },
  },
  async ({ c, params, query, rawBody, principal, app }) => {
    // The body as parsed, not as validated: a record drops keys such as "__proto__", and the
    // engine should refuse such an answer rather than never hear of it.
    const raw = rawBody as { answers: Answers; visits?: Visits }
    const answers = raw.answers
    const visits = restrictToToken(principal, params.id, answers, raw.visits)
    app.note(c, { runId: params.id, requestIds: Object.keys(answers) })
    const by = answeredBy(principal)
    const options = {
      ...(visits === undefined ? {} : { visits }),
      ...(query.background ? { background: true } : {}),
      ...(by === undefined ? {} : { by }),
    }
    const state =
      query.mode === 'step'
        ? await (await app.hp.load(params.id)).step(answers, options)
        : await app.hp.deliver(params.id, answers, options)
    const status = query.background ? 202 : 200
    // A token's holder may read no more than GET /answer-link shows: the run's state holds what
    // others answered, and re-sending the same answer (a no-op) would read it again and again.
    if (principal.kind === 'token') {
      return c.json(await answerLinkView(app.hp, principal.claims, state), status)
    }
    return c.json(toRunState(state), status)
  },
)

/**
 * An answer token answers one request of one run (and one visit, when it names one): anything
 * else in the delivery is refused. Returns the visits to deliver with.
 */
function restrictToToken(
  principal: Principal,
  runId: string,
  answers: Answers,
  visits: Visits | undefined,
): Visits | undefined {
  if (principal.kind !== 'token') return visits
  const { claims } = principal
  const keys = Object.keys(answers)
  if (claims.runId !== runId) {
    throw new HttpError(403, 'FORBIDDEN', 'This answer token is for another run.')
  }
  if (keys.length !== 1 || keys[0] !== claims.requestId) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      `This answer token answers request "${claims.requestId}" only, and nothing else.`,
    )
  }
  if (claims.visit === undefined) return visits
  const asked =
    visits && Object.hasOwn(visits, claims.requestId) ? visits[claims.requestId] : undefined
  if (asked !== undefined && asked !== claims.visit) {
    throw new HttpError(403, 'FORBIDDEN', `This answer token is for visit ${claims.visit}.`)
  }
  return { [claims.requestId]: claims.visit }
}
