import { InvalidArgumentError, InvalidDefinitionError } from './errors.js'
import { toJson } from './json.js'
import { isWorkflowStatus, type WorkflowStatus } from './status.js'

// Checks of options that are not workflow data: a bad one is refused before anything is stored.

// A lease that long already leaves a crashed process's runs waiting a day before another takes
// them over; the store keeps lease lengths as 32-bit integers.
const DAY_MS = 24 * 60 * 60 * 1000

/** `createHoldpoint({ leaseMs })`: an integer from 100 to a day, 30 s when not given. */
export function parseLeaseMs(value: unknown): number {
  const leaseMs = value ?? 30_000
  if (!Number.isSafeInteger(leaseMs) || (leaseMs as number) < 100 || (leaseMs as number) > DAY_MS) {
    throw new InvalidDefinitionError(
      `leaseMs must be an integer from 100 to ${DAY_MS} (a day), in milliseconds.`,
    )
  }
  return leaseMs as number
}

/** `createHoldpoint({ history })`: `true` or `false`, `true` when not given. */
export function parseHistory(value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value !== 'boolean') {
    throw new InvalidDefinitionError('history must be true or false (a boolean).')
  }
  return value
}

/** `start({ idempotencyKey })`: a printable string of 1 to 200 characters, or nothing. */
export function parseIdempotencyKey(key: unknown): string | undefined {
  if (key === undefined) return undefined
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new InvalidArgumentError('idempotencyKey', 'a string of 1 to 200 characters')
  }
  return toJson(key, 'The idempotency key') as string
}

/** `prune({ olderThan, status })`, checked; completed and cancelled runs by default. */
export function parsePrune(options: unknown): { before: Date; statuses: WorkflowStatus[] } {
  const { olderThan, status } = (options ?? {}) as { olderThan?: unknown; status?: unknown }
  if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) {
    throw new InvalidArgumentError('prune({ olderThan })', 'a valid Date')
  }
  const statuses = status === undefined ? ['completed', 'cancelled'] : [status].flat()
  if (statuses.length === 0 || !statuses.every((s) => isWorkflowStatus(s) && s !== 'running')) {
    throw new InvalidArgumentError(
      'prune({ status })',
      'a status or a non-empty list of statuses among completed, cancelled, failed and waiting_for_input (a running run may be executing: cancel it first)',
    )
  }
  return { before: olderThan, statuses }
}

/** A store's `maxBatchSize`: a whole number from 1 to 1000, 64 when not given. */
export function parseMaxBatchSize(value: unknown): number {
  if (value === undefined) return 64
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1000) {
    throw new InvalidArgumentError('maxBatchSize', 'a whole number from 1 to 1000')
  }
  return value
}
