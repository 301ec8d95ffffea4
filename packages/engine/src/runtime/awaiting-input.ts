import type { AwaitingInput } from '../definition/request-input.js'
import type { WorkflowStatus } from '../status.js'
import type { StoredRequest } from '../store/store.js'

/**
 * The requests a run waits on, which answers may be delivered to: its open requests while it is
 * waiting for input. A failed run keeps its open requests for `retry()`, whose node asks again,
 * but takes no answers until then.
 */
export function awaitedRequests(run: {
  status: WorkflowStatus
  requests: readonly StoredRequest[]
}): StoredRequest[] {
  return run.status === 'waiting_for_input' ? run.requests.filter((r) => r.status === 'open') : []
}

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
