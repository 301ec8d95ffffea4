import type { ExecutionState, RunListItem } from 'holdpoint'

/**
 * A failed run's error without its stack: clients learn what failed, not the server's code paths.
 *
 * @example
 * ```ts
 * const error: PublicError = { name: 'Error', message: 'the service is down' }
 * ```
 */
export interface PublicError {
  name: string
  message: string
  code?: string
}

/**
 * `ExecutionState` as the API sends it (dates as ISO strings once serialized).
 *
 * @example
 * ```ts
 * const run = (await (await fetch(`${api}/runs/${runId}`, { headers })).json()) as RunStateView
 * ```
 */
export type RunStateView = Omit<ExecutionState, 'error'> & { error: PublicError | null }

/**
 * `RunListItem` as the API sends it, in the `runs` of `GET /runs`.
 *
 * @example
 * ```ts
 * const { runs } = (await (await fetch(`${api}/runs`, { headers })).json()) as { runs: RunListItemView[] }
 * ```
 */
export type RunListItemView = Omit<RunListItem, 'error'> & { error: PublicError | null }

/**
 * A run's execution state for the wire: the error without its stack.
 *
 * @example
 * ```ts
 * return c.json(toRunState(engine.executionState))
 * ```
 */
export function toRunState(state: ExecutionState): RunStateView {
  return { ...state, error: publicError(state.error) }
}

/**
 * An inbox entry for the wire.
 *
 * @example
 * ```ts
 * const runs = (await hp.list({ status: 'waiting_for_input' })).map(toRunListItem)
 * ```
 */
export function toRunListItem(item: RunListItem): RunListItemView {
  return { ...item, error: publicError(item.error) }
}

function publicError(error: ExecutionState['error']): PublicError | null {
  if (!error) return null
  return {
    name: error.name,
    message: error.message,
    ...(error.code === undefined ? {} : { code: error.code }),
  }
}
