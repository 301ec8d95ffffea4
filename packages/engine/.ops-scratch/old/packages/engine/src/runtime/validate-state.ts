import type { AnyWorkflow } from '../definition/workflow.js'
import { InvalidStateError } from '../errors.js'
import { toJson, type JsonObject } from '../json.js'

/** Checks the state a node left behind against the workflow's state schema, and that it is JSON. */
export function validateState(
  workflow: AnyWorkflow,
  nodeId: string,
  state: unknown,
  maxBytes?: number,
): JsonObject {
  let value = state
  if (workflow.stateSchema) {
    const parsed = workflow.stateSchema.safeParse(state)
    if (!parsed.success) {
      throw new InvalidStateError(
        nodeId,
        parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
      )
    }
    value = parsed.data
  }
  const json = toJson(value, `The state after node "${nodeId}"`, maxBytes)
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidStateError(nodeId, [{ path: [], message: 'The state must be an object.' }])
  }
  return json
}
