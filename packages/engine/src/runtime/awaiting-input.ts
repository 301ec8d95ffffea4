import type { AwaitingInput } from '../definition/request-input.js'
import type { StoredRequest } from '../store/store.js'

/** A stored request as callers see it in `awaitingInput`. */
export function toAwaitingInput(r: StoredRequest): AwaitingInput {
  const out: AwaitingInput = {
    requestId: r.requestId,
    nodeId: r.nodeId,
    visit: r.visit,
    prompt: r.spec.prompt ?? null,
    inputType: r.spec.inputType,
    options: r.spec.options ?? null,
    schema: r.spec.schema ?? null,
    payload: r.spec.payload ?? null,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  }
  if (r.spec.default) out.default = r.spec.default.value
  return out
}
