import type { AnyWorkflow } from '../definition/workflow.js'
import { HoldpointError, InvalidInputError, StoreUnavailableError } from '../errors.js'
import { toJson, type JsonObject, type JsonValue } from '../json.js'
import type { ResolvedLimits } from '../limits.js'
import type { NewRunEvent, RunPosition, Scheduling, StoredRun } from '../store/store.js'
import type { EngineHost } from './engine-host.js'
import { retryUnavailable } from './store-retry.js'
import { validateState } from './validate-state.js'
import { writeToken } from './write-token.js'

// Creating runs: by hp.start, hp.fork and hp.import.

/** Where a new run begins. */
export interface RunSeed {
  id: string
  workflow: AnyWorkflow
  input: JsonValue
  nodeId: string
  visit: number
  position: RunPosition
  state: JsonObject
  outputs: JsonObject
  createdAt: Date
}

/** Who runs a new run first: this process (holding its lease) or the workers. */
export interface FirstRunner {
  owner: string
  leaseMs: number
  background: boolean
}

/** Validates a start's input and initial state against the workflow's schemas. */
export function validateStart(
  workflow: AnyWorkflow,
  input: unknown,
  initialState: unknown,
  limits: ResolvedLimits,
): { input: JsonValue; state: JsonObject } {
  const parsed = workflow.inputSchema
    ? workflow.inputSchema.safeParse(input)
    : { success: true as const, data: input }
  if (!parsed.success) {
    throw new InvalidInputError(
      parsed.error.issues.map((i) => ({
        requestId: '',
        path: ['input', ...i.path],
        message: i.message,
        code: i.code,
      })),
    )
  }
  const runInput =
    parsed.data === undefined ? null : toJson(parsed.data, 'The run input', limits.inputBytes)
  try {
    return {
      input: runInput,
      state: validateState(workflow, '(start)', initialState ?? {}, limits.stateBytes),
    }
  } catch (error) {
    if (!HoldpointError.is(error, 'INVALID_STATE')) throw error
    throw new InvalidInputError(
      error.issues.map((i) => ({ requestId: '', path: ['state', ...i.path], message: i.message })),
    )
  }
}

/** The run as a new engine holds it, and how the insert schedules it. */
export function newStoredRun(
  seed: RunSeed,
  runner: FirstRunner,
): { run: StoredRun; scheduling: Scheduling } {
  const { background, owner, leaseMs } = runner
  const run: StoredRun = {
    id: seed.id,
    workflowId: seed.workflow.id,
    version: seed.workflow.version,
    status: 'running',
    nodeId: seed.nodeId,
    visit: seed.visit,
    position: seed.position,
    state: seed.state,
    outputs: seed.outputs,
    input: seed.input,
    output: undefined,
    error: null,
    rowVersion: 1,
    createdAt: seed.createdAt,
    updatedAt: seed.createdAt,
    lease: background ? null : { owner, until: new Date(Date.now() + leaseMs) },
    wakeAt: background ? new Date() : new Date(Date.now() + leaseMs),
    writeToken: null,
    requests: [],
    steps: [],
  }
  const scheduling: Scheduling = background
    ? { lease: null, wake: 'now', notify: true }
    : { lease: { owner, ms: leaseMs }, wake: 'lease' }
  return { run, scheduling }
}

/**
 * Inserts a new run with its first events (numbered but not stored when the host writes no
 * history). `duplicate`: a run with its id was there already — or the connection dropped and the
 * row is found, which for a fresh id means this very insert landed.
 */
export async function insertRun(
  host: Pick<EngineHost, 'store' | 'history'>,
  run: StoredRun,
  scheduling: Scheduling,
  events: readonly NewRunEvent[],
): Promise<'created' | 'duplicate'> {
  const { store } = host
  const writeHistory = host.history ? {} : { writeHistory: false }
  return retryUnavailable(async () => {
    try {
      const fields = { ...run, ...scheduling, ...writeHistory, token: writeToken() }
      const created = await store.createRun(fields, events)
      return created ? 'created' : 'duplicate'
    } catch (error) {
      if (error instanceof StoreUnavailableError && (await store.loadRun(run.id))) {
        return 'duplicate'
      }
      throw error
    }
  })
}
