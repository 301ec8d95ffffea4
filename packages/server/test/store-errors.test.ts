import {
  SchemaTooNewError,
  SchemaTooOldError,
  StoreClosedError,
  StoreUnavailableError,
  type Holdpoint,
} from 'holdpoint'
import { describe, expect, it } from 'vitest'
import { createApp } from '../src/index.js'
import { errorReply } from '../src/http/error-response.js'
import { storeErrorMessage } from '../src/http/store-error-message.js'
import { apiKeys, keys } from './fixtures/keys.js'

// A store error's own message carries its cause (a database address, a user name, the driver's
// words): callers read what to wait for, and only the log reads the cause.

describe('store errors', () => {
  it('words a store error by its code alone, for API keys and answer tokens alike', () => {
    const claims = { runId: 'r', requestId: 'approve', expiresAt: new Date(Date.now() + 60_000) }
    const errors = [
      new StoreUnavailableError(new Error('connect ECONNREFUSED 10.9.8.7:5432')),
      new StoreClosedError(),
      new SchemaTooNewError(9, 8),
      new SchemaTooOldError(6, 8),
    ]
    for (const error of errors) {
      const plain = errorReply(error).body.error
      expect(plain).toEqual({ code: error.code, message: storeErrorMessage(error.code) })
      expect(plain.message).not.toBe(error.message)
      expect(errorReply(error, claims).body.error).toEqual(plain)
    }
    expect(new Set(errors.map((e) => storeErrorMessage(e.code))).size).toBe(errors.length)
  })

  it('tells API callers that the store is unavailable, and only the log what failed', async () => {
    const lines: string[] = []
    const { pino } = await import('pino')
    const logger = pino({}, { write: (line: string) => void lines.push(line) })
    const cause = new Error('password authentication failed for user "ops" at 10.9.8.7:5432')
    const broken = {
      list: () => Promise.reject(new StoreUnavailableError(cause)),
    } as unknown as Holdpoint
    const app = createApp(broken, { auth: { keys: apiKeys }, logger })
    const response = await app.request('/runs', {
      headers: { authorization: `Bearer ${keys.read}` },
    })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(await response.json()).toEqual({
      error: {
        code: 'STORE_UNAVAILABLE',
        message: 'The server cannot reach its store now: try again shortly.',
      },
    })
    expect(lines.join('')).toContain('10.9.8.7:5432')
  })
})
