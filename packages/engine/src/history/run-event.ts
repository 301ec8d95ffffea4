import type { InputType } from '../definition/request-input.js'
import type { JsonObject, JsonValue } from '../json.js'
import type { MachinePosition } from '../runtime/machine-driver.js'

/** An error as history and failed runs record it. */
export interface EventError {
  name: string
  message: string
  code?: string
}

/**
 * What each kind of history entry carries, by event type. Request details (prompt, options,
 * schema, answer) are stored once with the request and joined in when history is read.
 */
export interface RunEventData {
  /** The run was created (`forkedFrom`: by `hp.fork`). */
  run_started: {
    workflow: string
    version: number
    /** The initial state, when it was not empty. */
    state?: JsonObject
    /** A fork's outputs of earlier nodes, when there were any. */
    outputs?: JsonObject
    /** A fork's visits per node, counting the one it starts with. */
    visits?: Record<string, number>
    forkedFrom?: { runId: string; seq: number }
  }
  /** A node visit began. */
  node_started: {
    node: string
    visit: number
    /** The machine's position, when it is more than the node's own state (hand-built machines). */
    position?: MachinePosition
  }
  /** A node visit finished. */
  node_completed: {
    node: string
    visit: number
    /** Time spent in the node's body by the process that finished it, replay included. */
    durationMs: number
    /** The process that finished it (`host:pid:random`). */
    owner: string
    /** What the node returned, when it returned something. */
    output?: JsonValue
    /** The shared state after the node, when the node changed it. */
    state?: JsonObject
  }
  /** A node threw; `retryInMs` when it runs again under its retry policy. */
  node_failed: {
    node: string
    visit: number
    attempt: number
    error: EventError
    retryInMs?: number
  }
  /** A node asked for input (the seeds' `InputRequiredEvent`). */
  input_requested: {
    node: string
    visit: number
    requestId: string
    prompt: string | null
    inputType: InputType
    options: JsonValue[] | null
    /** JSON Schema of the expected answer. */
    schema: JsonObject | null
    /** Free-form data the node attached for UIs (`requestInput({ payload })`). */
    payload: JsonObject | null
    expiresAt: string | null
  }
  /** An answer was stored (the seeds' `HumanResponseEvent`). */
  input_received: {
    node: string
    visit: number
    requestId: string
    answer: JsonValue | null
    /** Who answered, as the deliverer said (`run(answers, { by })`). */
    by?: string
  }
  /** A request's deadline passed; the node resumed with its default or with `INPUT_TIMEOUT`. */
  input_expired: {
    node: string
    visit: number
    requestId: string
    /** Whether the request had a default to resume with (otherwise the node got `INPUT_TIMEOUT`). */
    defaulted: boolean
  }
  /** The run now waits for people: these requests are open. */
  run_waiting: { requestIds: string[] }
  run_completed: { output: JsonValue | null }
  run_failed: { error: EventError }
  run_cancelled: { reason?: string }
  /** `engine.retry()` started a fresh round of attempts. */
  run_retried: { node: string | null }
}

/** Kinds of history entries. */
export type RunEventType = keyof RunEventData

/** One entry of a run's history, as `engine.events()` yields it. Narrow on `type`. */
export type RunEvent = {
  [T in RunEventType]: {
    runId: string
    /** Position in the run's history, from 1, without gaps. */
    seq: number
    type: T
    data: RunEventData[T]
    at: Date
  }
}[RunEventType]

/** An event of one type. */
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>

/** Event types after which a run's history ends (until it is retried, for `run_failed`). */
export const FINAL_EVENT_TYPES: ReadonlySet<RunEventType> = new Set([
  'run_completed',
  'run_failed',
  'run_cancelled',
])

/** Options of `engine.events()` and `hp.events()`. */
export interface EventsOptions {
  /** Start after this sequence number (0, the default, replays the whole history). */
  after?: number
  /**
   * After the history, keep following the run's new events, from any process, until it
   * completes, fails or is cancelled, or `signal` aborts. Default `false`: stop at the end of
   * what is stored.
   */
  follow?: boolean
  /** Ends the iteration (quietly) when aborted. */
  signal?: AbortSignal
}

/** Fields joined in when history is read, by event type; they are not stored with the event. */
interface JoinedFields {
  input_requested: 'prompt' | 'inputType' | 'options' | 'schema' | 'payload' | 'expiresAt'
  input_received: 'answer'
  run_completed: 'output'
}

/** What an event of type `T` stores. */
export type StoredEventData<T extends RunEventType> = T extends keyof JoinedFields
  ? Omit<RunEventData[T], JoinedFields[T]>
  : RunEventData[T]

/** A history entry to append, typed by its kind. */
export function newEvent<T extends RunEventType>(
  type: T,
  data: StoredEventData<T>,
): { type: T; data: JsonObject } {
  // Every field of every event is JSON; optional ones that are undefined are left out.
  return { type, data: data as unknown as JsonObject }
}

/** A `node_started` event; the machine position is kept only when it says more than the node id. */
export function nodeStarted(
  nodeId: string,
  visit: number,
  { value, context }: MachinePosition,
): { type: 'node_started'; data: JsonObject } {
  if (value === nodeId && context === undefined)
    return newEvent('node_started', { node: nodeId, visit })
  return newEvent('node_started', {
    node: nodeId,
    visit,
    position: context === undefined ? { value } : { value, context },
  })
}
