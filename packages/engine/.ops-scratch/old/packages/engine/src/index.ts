export { defineWorkflow, isWorkflow } from './definition/workflow.js'
export type {
  AnyWorkflow,
  EdgeView,
  MachineWorkflowConfig,
  NodesWorkflowConfig,
  OutputsOf,
  Workflow,
} from './definition/workflow.js'
export { node } from './definition/node.js'
export type { NodeBody, NodeLogic } from './definition/node.js'
export type { NodeContext, NodeOutputs } from './definition/node-context.js'
export type {
  AwaitingInput,
  InputType,
  RequestInput,
  RequestInputOptions,
} from './definition/request-input.js'
export { createHoldpoint, Holdpoint } from './holdpoint.js'
export type { HoldpointOptions, ListOptions, RunListItem, StartOptions } from './holdpoint.js'
export { WorkflowEngine } from './runtime/workflow-engine.js'
export type { DeliveryOptions, ExecutionState, InputData } from './runtime/workflow-engine.js'
export { WorkflowStatus, isWorkflowStatus } from './status.js'
export * from './errors.js'
export type { JsonObject, JsonValue } from './json.js'
export type { PayloadLimits } from './limits.js'
export type {
  RunEvent,
  RunEventType,
  SerializedError,
  Store,
  StoredRequest,
  StoredRun,
  StoredStep,
} from './store/store.js'
export { migrate } from './store/migrate.js'
export { LATEST_SCHEMA_VERSION } from './store/migrations/index.js'
