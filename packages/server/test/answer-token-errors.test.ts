import {
  createHoldpoint,
  defineWorkflow,
  InvalidInputError,
  RunLeasedError,
  RunNotWaitingError,
  UnknownRequestError,
  VersionMismatchError,
} from 'holdpoint'
import { postgresStore } from 'holdpoint/postgres'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { signAnswerToken, type AnswerTokenClaims } from '../src/index.js'
import { errorReply } from '../src/http/error-response.js'
import { call, codeOf, type Reply } from './fixtures/http.js'
import { useServerHarness } from './fixtures/harness.js'
import { answerLinkSecret, keys } from './fixtures/keys.js'

const harness = useServerHarness()

/** What the node of the changed workflow below throws: text only the operators may read. */
const nodeSecret = 'vault token s3cr3t-0451'

/**
 * The fixtures' approval workflow as a later deploy changed it: same id and version, but its node
 * now throws before asking, so replaying a waiting run fails the run.
 */
const brokenApproval = defineWorkflow({
  id: 'approval',
  version: 1,
  input: z.object({ title: z.string() }),
  start: 'review',
  nodes: {
    review: async () => {
      throw new Error(`cannot reach the vault: ${nodeSecret}`)
    },
  },
})

function claims(runId: string, requestId = 'approve'): AnswerTokenClaims {
  return { runId, requestId, visit: 1, expiresAt: new Date(Date.now() + 60_000) }
}

/** Call options that send an answer token for `requestId` of `runId`, and no API key. */
function tokenFor(
  runId: string,
  requestId = 'approve',
): { key: null; headers: Record<string, string> } {
  const token = signAnswerToken(claims(runId, requestId), answerLinkSecret)
  return { key: null, headers: { authorization: `AnswerToken ${token}` } }
}

function errorOf(reply: Reply): { code: string; message: string; details?: object } {
  return (reply.body as { error: { code: string; message: string; details?: object } }).error
}

describe('errors answered to an answer token', () => {
  it("name only the token's request, not the other requests the run waits for", async () => {
    const { url } = await harness.server(harness.holdpoint())
    const started = await call(url, 'POST', '/workflows/approval/runs', {
      input: { title: 'Scoped' },
    })
    const runId = (started.body as { runId: string }).runId
    // A link made for a request the run has not asked (yet): the run waits for "approve".
    const delivery = { answers: { legal: { ok: true } } }

    const withKey = await call(url, 'POST', `/runs/${runId}/input`, delivery, { key: keys.answer })
    expect([withKey.status, codeOf(withKey)]).toEqual([422, 'UNKNOWN_REQUEST'])
    expect(errorOf(withKey).details).toEqual({ requestIds: ['legal'], awaiting: ['approve'] })

    const withToken = await call(
      url,
      'POST',
      `/runs/${runId}/input`,
      delivery,
      tokenFor(runId, 'legal'),
    )
    expect([withToken.status, codeOf(withToken)]).toEqual([422, 'UNKNOWN_REQUEST'])
    expect(errorOf(withToken).message).toBe('The run is not waiting for "legal".')
    expect(errorOf(withToken).details).toEqual({ requestIds: ['legal'] })
    expect(JSON.stringify(withToken.body)).not.toContain('approve')
  })

  it("carry no text of the error a node threw while the delivery replayed it, where an API key's do", async () => {
    const starter = harness.holdpoint()
    const waiting = async (): Promise<string> => {
      const engine = await starter.start('approval', { title: 'Replayed' })
      await engine.run()
      expect(engine.executionState.status).toBe('waiting_for_input')
      return engine.runId
    }
    const forKey = await waiting()
    const forToken = await waiting()
    // Another process, with the changed code: an answer makes it replay the node, which throws.
    const changed = createHoldpoint({
      workflows: [brokenApproval],
      store: postgresStore({ connectionString: harness.database().url, maxConnections: 2 }),
    })
    try {
      const { url } = await harness.server(changed)
      const answer = { answers: { approve: { approved: true, note: 'ok' } } }

      const withKey = await call(url, 'POST', `/runs/${forKey}/input`, answer, { key: keys.answer })
      expect([withKey.status, codeOf(withKey)]).toEqual([409, 'RUN_NOT_WAITING'])
      expect(errorOf(withKey).message).toContain(nodeSecret)

      const withToken = await call(
        url,
        'POST',
        `/runs/${forToken}/input`,
        answer,
        tokenFor(forToken),
      )
      expect([withToken.status, codeOf(withToken)]).toEqual([409, 'RUN_NOT_WAITING'])
      expect(errorOf(withToken).message).toBe('The run is no longer waiting for "approve".')
      expect(errorOf(withToken).details).toEqual({ runId: forToken, status: 'failed' })
      const text = JSON.stringify(withToken.body)
      for (const leak of [nodeSecret, 'vault', 'stack', 'cause']) expect(text).not.toContain(leak)
    } finally {
      await changed.close()
    }
  })

  it("keep their code, status and headers, and what describes the holder's own answer", () => {
    const token = claims('run-1')
    const cases = [
      new UnknownRequestError(['approve'], ['approve', 'legal-review']),
      new RunNotWaitingError('run-1', 'failed', { cause: new Error(nodeSecret) }),
      new RunLeasedError('run-1', 'worker-7 on host-a', new Date(Date.now() + 5_000)),
      new VersionMismatchError('approval', 3, [1, 2]),
    ]
    for (const error of cases) {
      const full = errorReply(error)
      const scoped = errorReply(error, token)
      expect(scoped.status, error.code).toBe(full.status)
      expect(scoped.headers, error.code).toEqual(full.headers)
      expect(scoped.body.error.code).toBe(error.code)
      expect(scoped.body.error.message, error.code).toContain('"approve"')
      for (const leak of ['legal-review', nodeSecret, 'worker-7', 'host-a', 'version 1, 2']) {
        expect(JSON.stringify(scoped.body), error.code).not.toContain(leak)
      }
    }
    expect(errorReply(cases[2] as RunLeasedError, token).headers['retry-after']).toBeDefined()

    // The issues of the holder's own answer are what the answer page shows next to the form.
    const invalid = new InvalidInputError([
      { requestId: 'approve', path: ['note'], message: 'Expected string' },
    ])
    expect(errorReply(invalid, token).body).toEqual(errorReply(invalid).body)
  })
})
