import { isWorkflow, type AnyWorkflow } from './definition/workflow.js'
import { InvalidDefinitionError, VersionMismatchError, WorkflowNotFoundError } from './errors.js'
import { MachineDriver } from './runtime/machine-driver.js'

/** A registered workflow version and the driver of its machine. */
export interface Registered {
  workflow: AnyWorkflow
  driver: MachineDriver
}

/** The workflows a Holdpoint can start and resume, by id and version. */
export class WorkflowRegistry {
  readonly #byId = new Map<string, Map<number, Registered>>()

  constructor(workflows: unknown) {
    if (!Array.isArray(workflows)) {
      throw new InvalidDefinitionError(
        'createHoldpoint needs `workflows`: an array of defineWorkflow(…) results.',
      )
    }
    for (const workflow of workflows) {
      if (!isWorkflow(workflow)) {
        throw new InvalidDefinitionError(
          'Every entry of `workflows` must come from defineWorkflow().',
        )
      }
      const versions = this.#byId.get(workflow.id) ?? new Map<number, Registered>()
      if (versions.has(workflow.version)) {
        throw new InvalidDefinitionError(
          `Workflow "${workflow.id}" version ${workflow.version} is registered twice.`,
        )
      }
      versions.set(workflow.version, { workflow, driver: new MachineDriver(workflow.machine) })
      this.#byId.set(workflow.id, versions)
    }
  }

  /** Every registered workflow version. */
  all(): AnyWorkflow[] {
    return [...this.#byId.values()].flatMap((versions) =>
      [...versions.values()].map((r) => r.workflow),
    )
  }

  /** A version of a workflow (the newest when `version` is not given); typed errors otherwise. */
  resolve(workflowId: string, version?: number): Registered {
    const versions = this.#byId.get(workflowId)
    if (!versions) throw new WorkflowNotFoundError(label(workflowId), [...this.#byId.keys()])
    if (version === undefined) return versions.get(Math.max(...versions.keys())) as Registered
    const found = versions.get(version)
    if (found) return found
    throw new VersionMismatchError(
      workflowId,
      typeof version === 'number' ? version : Number.NaN,
      [...versions.keys()].sort((a, b) => a - b),
    )
  }
}

/** A printable form of a caller's value, even one without a prototype or with a throwing toString. */
export function label(value: unknown): string {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
