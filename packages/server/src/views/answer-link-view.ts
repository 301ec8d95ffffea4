import type { AwaitingInput, ExecutionState, Holdpoint, WorkflowStatus } from 'holdpoint'
import type { AnswerTokenClaims } from '../auth/answer-token.js'

/**
 * What an answer token shows its holder: its own request and the run's status, never the run's
 * input, state, output, other requests or anyone's answers. `GET /answer-link` answers it, and so
 * does `POST /runs/{id}/input` when called with an answer token (dates as ISO strings once
 * serialized).
 *
 * @example
 * ```ts
 * const link = (await (await fetch(`${api}/answer-link?token=${token}`)).json()) as AnswerLinkView
 * if (link.state === 'open') showForm(link.request)
 * ```
 */
export interface AnswerLinkView {
  runId: string
  requestId: string
  /** The visit the token names, else the open request's, else null. */
  visit: number | null
  subject: string | null
  expiresAt: Date
  /** open: answer it now; answered: done; closed: the run moved on without it. */
  state: 'open' | 'answered' | 'closed'
  /** The request, while it is open. */
  request: AwaitingInput | null
  runStatus: WorkflowStatus
}

/**
 * The answer link view of `run` for the holder of a token with `claims`.
 *
 * @example
 * ```ts
 * return c.json(await answerLinkView(hp, claims, (await hp.load(claims.runId)).executionState))
 * ```
 */
export async function answerLinkView(
  hp: Holdpoint,
  claims: AnswerTokenClaims,
  run: ExecutionState,
): Promise<AnswerLinkView> {
  const open = run.awaitingInput.find(
    (r) =>
      r.requestId === claims.requestId && (claims.visit === undefined || r.visit === claims.visit),
  )
  // From the request's own row, not the history: it is there even with history switched off,
  // and reading it costs the same however long the run's history has grown.
  const answered =
    !open &&
    (await (await hp.store()).findClosedRequests(claims.runId, [claims.requestId])).some(
      (r) => r.status === 'answered' && (claims.visit === undefined || r.visit === claims.visit),
    )
  return {
    runId: claims.runId,
    requestId: claims.requestId,
    visit: claims.visit ?? open?.visit ?? null,
    subject: claims.subject ?? null,
    expiresAt: claims.expiresAt,
    state: open ? 'open' : answered ? 'answered' : 'closed',
    request: open ?? null,
    runStatus: run.status,
  }
}
