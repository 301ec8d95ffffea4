export { defineWorkflow, isWorkflow } from './definition/workflow.js'
export type {
  AnyWorkflow,
  EdgeView,
  MachineWorkflowConfig,
  NodeSpec,
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
export type { RetryPolicy } from './runtime/retry-policy.js'
export type { HoldpointOptions, ListOptions, RunListItem, StartOptions } from './holdpoint.js'
export { WorkflowEngine } from './runtime/workflow-engine.js'
export { Worker } from './runtime/worker.js'
export type { WorkerOptions, WorkerStats } from './runtime/worker.js'
export type { DeliveryOptions, ExecutionState, InputData } from './runtime/workflow-engine.js'
export { WorkflowStatus, isWorkflowStatus } from './status.js'
export * from './errors.js'
export type { JsonObject, JsonValue } from './json.js'
export type { PayloadLimits } from './limits.js'
export type {
  EventError,
  EventsOptions,
  RunEvent,
  RunEventData,
  RunEventOf,
  RunEventType,
} from './history/run-event.js'
export { FINAL_EVENT_TYPES } from './history/run-event.js'
export { RUN_EXPORT_FORMAT, RUN_EXPORT_VERSION } from './history/run-export.js'
export type { ExportedRequest, RunExport } from './history/run-export.js'
export type { SerializedError, Store, StoredRequest, StoredRun, StoredStep } from './store/store.js'
export { migrate } from './store/migrate.js'
export { LATEST_SCHEMA_VERSION } from './store/migrations/index.js'
