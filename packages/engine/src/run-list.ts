import type { ListOptions, RunListItem } from './holdpoint-options.js'
import { toAwaitingInput } from './runtime/awaiting-input.js'
import { InvalidArgumentError } from './errors.js'
import { currentNodes, isWorkflowStatus } from './status.js'
import { isUuid } from './store/rows.js'
import type { RunFilter, RunSummary } from './store/store.js'

// `hp.list()` between its options and the store: the filter it asks for, the items it returns.

/** The store's filter for the options of `hp.list()`, checked. */
export function listFilter(options: ListOptions): RunFilter {
  const { status, workflow, limit, after } = (options ?? {}) as ListOptions
  const filter: RunFilter = {}
  if (status !== undefined) {
    if (![status].flat().every(isWorkflowStatus)) {
      throw new InvalidArgumentError('list({ status })', 'a status or a list of statuses')
    }
    filter.status = status
  }
  if (workflow !== undefined) {
    if (typeof workflow !== 'string')
      throw new InvalidArgumentError('list({ workflow })', 'a string')
    filter.workflowId = workflow
  }
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new InvalidArgumentError('list({ limit })', 'a whole number of at least 1')
    }
    filter.limit = limit
  }
  if (after !== undefined) filter.after = listCursor(after)
  return filter
}

/** `list({ after })`: a run id, or the last item of the previous page. */
function listCursor(after: unknown): NonNullable<RunFilter['after']> {
  if (typeof after === 'string') return after
  const { runId, createdAt } = (after ?? {}) as { runId?: unknown; createdAt?: unknown }
  if (
    typeof runId !== 'string' ||
    !isUuid(runId) ||
    !(createdAt instanceof Date) ||
    Number.isNaN(createdAt.getTime())
  ) {
    throw new InvalidArgumentError(
      'list({ after })',
      'the last item of the previous page (`{ runId, createdAt }`) or its runId',
    )
  }
  return { id: runId, createdAt }
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
