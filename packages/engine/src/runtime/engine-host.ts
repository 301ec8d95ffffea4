import type { AnyWorkflow } from '../definition/workflow.js'
import type { ResolvedLimits } from '../limits.js'
import type { EventFollowers } from '../history/event-followers.js'
import type { Store } from '../store/store.js'
import type { MachineDriver } from './machine-driver.js'

/** What a `WorkflowEngine` needs from the Holdpoint that made it. */
export interface EngineHost {
  readonly store: Store
  readonly workflow: AnyWorkflow
  readonly driver: MachineDriver
  readonly limits: ResolvedLimits
  /** This process's name on leases. */
  readonly owner: string
  /** How long a lease lasts without renewal. */
  readonly leaseMs: number
  /** Whether this process writes runs' history (`createHoldpoint({ history })`). */
  readonly history: boolean
  /** Followers of runs' events in this process, woken by this process's own checkpoints. */
  readonly followers: EventFollowers
  now(): Date
  /** Called when the run finished, so the host can forget the engine. */
  finished(runId: string): void
}
