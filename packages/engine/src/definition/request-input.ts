import type { z } from 'zod'
import type { JsonObject, JsonValue } from '../json.js'

/** How a UI should ask for an answer. Advisory: validation is the schema's job. */
export type InputType = 'text' | 'number' | 'confirm' | 'select' | 'json' | (string & {})

/** Options of `ctx.requestInput()`. */
export interface RequestInputOptions {
  /** The request ID answers are keyed by. Default: the node id, then `node#2`, `node#3`… */
  id?: string
  /** What to show the person. */
  prompt?: string
  /** How a UI should ask; default `'text'`. */
  inputType?: InputType
  /** Choices for a `select`, shown by UIs. */
  options?: readonly JsonValue[]
  /** Validates the answer on delivery; its JSON Schema is published with the request. */
  schema?: z.ZodType
  /** The answer used when `timeoutMs` passes without one. */
  default?: JsonValue
  /**
   * Anything else a UI needs to ask (the draft to review, a diff, a link), published with the
   * request in `awaitingInput` and in its `input_requested` event. Plain JSON.
   */
  payload?: JsonObject
  /** How long to wait; the deadline is stored, so it holds across processes. */
  timeoutMs?: number
}

/**
 * Asks a person for input and waits for the answer.
 *
 * @example
 * ```ts
 * const { approved } = await ctx.requestInput({
 *   id: 'approve',
 *   prompt: 'Publish this draft?',
 *   schema: z.object({ approved: z.boolean() }),
 * })
 * ```
 */
export interface RequestInput {
  <S extends z.ZodType>(
    options: RequestInputOptions & { schema: S; default?: z.input<S> & JsonValue },
  ): Promise<z.output<S>>
  (options?: RequestInputOptions): Promise<JsonValue>
}

/** A request a run is waiting on, as published in `executionState.awaitingInput`. */
export interface AwaitingInput {
  requestId: string
  nodeId: string
  /** Which visit of the node asked (1 on the first). */
  visit: number
  prompt: string | null
  inputType: InputType
  options: JsonValue[] | null
  /** JSON Schema of the expected answer, derived from the zod schema. */
  schema: JsonObject | null
  /** What the node attached for UIs (`requestInput({ payload })`). */
  payload: JsonObject | null
  /** Present when the request has a default. */
  default?: JsonValue
  createdAt: Date
  expiresAt: Date | null
}
