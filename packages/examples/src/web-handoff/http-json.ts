import type { IncomingMessage, ServerResponse } from 'node:http'

/** An error the app answers with: an HTTP status and a `{ error: { code, message } }` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** Request bodies are answers and topics, not uploads. */
const maxBodyBytes = 64 * 1024

/**
 * Reads a JSON request body. An empty body reads as `{}`; anything that is not a JSON object is
 * a 400 with code `INVALID_INPUT`, the code Holdpoint uses for rejected input.
 *
 * @example
 * ```ts
 * const answers = await readJsonObject(req)   // { approve: 'yes' }
 * ```
 */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBodyBytes) {
      throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `The body exceeds ${maxBodyBytes} bytes.`)
    }
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new HttpError(400, 'INVALID_INPUT', 'The body is not valid JSON.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'INVALID_INPUT', 'The body must be a JSON object.')
  }
  return body as Record<string, unknown>
}

/**
 * Sends `body` as JSON with `status`.
 *
 * @example
 * ```ts
 * sendJson(res, 200, engine.executionState)
 * ```
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}
