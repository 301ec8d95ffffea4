import type { ListOptions, RunListItem } from './holdpoint-options.js'
import { toAwaitingInput } from './runtime/awaiting-input.js'
import { currentNodes } from './status.js'
import type { RunFilter, RunSummary } from './store/store.js'

// `hp.list()` between its options and the store: the filter it asks for, the items it returns.

/** The store's filter for the options of `hp.list()`. */
export function listFilter(options: ListOptions): RunFilter {
  const filter: RunFilter = {}
  if (options.status !== undefined) filter.status = options.status
  if (options.workflow !== undefined) filter.workflowId = options.workflow
  if (options.limit !== undefined) filter.limit = options.limit
  if (options.after !== undefined) filter.after = options.after
  return filter
}

/** A listed run as `hp.list()` returns it. */
export function toListItem(run: RunSummary): RunListItem {
  return {
    runId: run.id,
    workflowId: run.workflowId,
    version: run.version,
    status: run.status,
    currentNodes: currentNodes(run.nodeId, run.status),
    awaitingInput: run.openRequests.map(toAwaitingInput),
    output: run.output,
    error: run.error,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  }
}
