import { HttpError } from './http-error.js'

/** No body was sent: an empty one, without a JSON content type. */
export const NO_BODY = Symbol('no body')

/**
 * Reads a request's JSON body, refusing what is not JSON before parsing it: a content type other
 * than `application/json` (415), more than `limitBytes` (413, checked against Content-Length
 * first and counted while reading), and text that does not parse (400). An empty body is
 * `NO_BODY`, for endpoints whose body is optional.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(c.req.raw, 1_048_576)
 * ```
 */
export async function readJsonBody(
  request: Request,
  limitBytes: number,
): Promise<unknown | typeof NO_BODY> {
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limitBytes) {
    throw tooLarge(limitBytes)
  }
  const bytes = await readLimited(request, limitBytes)
  const type = request.headers.get('content-type')
  if (bytes.length === 0) return NO_BODY
  if (type === null || !isJson(type)) {
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the body as JSON, with Content-Type: application/json.',
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw new HttpError(400, 'MALFORMED_JSON', 'The body is not valid UTF-8.')
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new HttpError(
      400,
      'MALFORMED_JSON',
      `The body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

/** `application/json`, or any `+json` type, with any parameters (a charset other than UTF-8 is refused). */
function isJson(contentType: string): boolean {
  const [essence = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase())
  if (essence !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(essence)) {
    return false
  }
  const charset = params.find((p) => p.startsWith('charset='))
  return charset === undefined || /^charset="?utf-8"?$/.test(charset)
}

async function readLimited(request: Request, limitBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array()
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limitBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge(limitBytes)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(
    413,
    'PAYLOAD_TOO_LARGE',
    `The body is larger than this server accepts (${limitBytes} bytes).`,
    { limit: limitBytes },
  )
}
