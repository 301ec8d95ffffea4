import { HoldpointError } from '../errors.js'
import type { SerializedError } from '../store/store.js'

/** An error as a failed run stores it. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message }
    if (HoldpointError.is(error)) out.code = error.code
    if (error.stack) out.stack = error.stack
    return out
  }
  return {
    name: 'Error',
    message: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)),
  }
}
