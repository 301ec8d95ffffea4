import type { AwaitingInput, JsonValue } from 'holdpoint'

/**
 * A value of the shape a request's JSON Schema asks for, to show how to answer it. Advisory:
 * it fills each property with a placeholder of its type, not with a valid answer.
 *
 * @example
 * ```ts
 * exampleAnswer({ type: 'object', properties: { approved: { type: 'boolean' } } }) // { approved: true }
 * ```
 */
export function exampleAnswer(schema: unknown, depth = 0): JsonValue {
  if (typeof schema !== 'object' || schema === null || depth > 4) return '…'
  const s = schema as Record<string, unknown>
  if ('default' in s) return s.default as JsonValue
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0] as JsonValue
  if ('const' in s) return s.const as JsonValue
  const variants = s.anyOf ?? s.oneOf
  if (Array.isArray(variants) && variants.length > 0) return exampleAnswer(variants[0], depth + 1)
  switch (Array.isArray(s.type) ? s.type[0] : s.type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>
      return Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, exampleAnswer(value, depth + 1)]),
      )
    }
    case 'array':
      return [exampleAnswer(s.items, depth + 1)]
    case 'boolean':
      return true
    case 'integer':
    case 'number':
      return 0
    case 'null':
      return null
    default:
      return '…'
  }
}

/**
 * The shell command that answers a request, with a placeholder answer.
 *
 * @example
 * ```ts
 * answerCommand(runId, request) // holdpoint input 0193… approve='{"approved":true,"note":"…"}'
 * ```
 */
export function answerCommand(runId: string, request: AwaitingInput): string {
  const example = request.schema ? exampleAnswer(request.schema) : '…'
  const text = typeof example === 'string' ? example : JSON.stringify(example)
  return `holdpoint input ${runId} ${request.requestId}='${text.replaceAll("'", "'\\''")}'`
}
