import type { AwaitingInput, ExecutionState } from 'holdpoint'
import { answerCommand } from './example-answer.js'
import { indented, json, type Stylist } from './format.js'

/**
 * The requests a run waits on, each with its prompt, JSON Schema and (unless `answerHint` is
 * false) a command that answers it.
 *
 * @example
 * ```ts
 * print(formatRequests(state.runId, state.awaitingInput, stylist(process.stdout)))
 * ```
 */
export function formatRequests(
  runId: string,
  requests: readonly AwaitingInput[],
  s: Stylist,
  options: { answerHint?: boolean } = {},
): string {
  return requests
    .map((request) => {
      const lines = [
        `${s('bold', request.requestId)} ${s('dim', `(node ${request.nodeId}, visit ${request.visit}, ${request.inputType})`)}`,
      ]
      if (request.prompt !== null) lines.push('  prompt:', indented(request.prompt, 4))
      if (request.options !== null) lines.push(`  options: ${JSON.stringify(request.options)}`)
      if (request.schema !== null) lines.push('  schema:', json(request.schema, 4))
      if (request.default !== undefined) lines.push(`  default: ${JSON.stringify(request.default)}`)
      if (request.expiresAt !== null) lines.push(`  expires: ${request.expiresAt.toISOString()}`)
      if (options.answerHint !== false) {
        lines.push(`  answer:  ${s('cyan', answerCommand(runId, request))}`)
      }
      return lines.join('\n')
    })
    .join('\n')
}

/**
 * A one-line status, coloured by how the run stands.
 *
 * @example
 * ```ts
 * formatStatus('completed', s) // 'completed' in green on a terminal
 * ```
 */
export function formatStatus(status: ExecutionState['status'], s: Stylist): string {
  switch (status) {
    case 'completed':
      return s('green', status)
    case 'waiting_for_input':
      return s('yellow', status)
    case 'failed':
      return s('red', status)
    default:
      return status
  }
}

/**
 * Where a run stands after a command moved it: its output, its error, or what it waits on.
 *
 * @example
 * ```ts
 * print(formatOutcome(await engine.run(answers), s))
 * ```
 */
export function formatOutcome(state: ExecutionState, s: Stylist): string {
  const lines = [`run ${state.runId} is ${formatStatus(state.status, s)}`]
  if (state.status === 'completed') lines.push('output:', json(state.output ?? null, 2))
  if (state.error) {
    lines.push(`error: ${state.error.code ? `[${state.error.code}] ` : ''}${state.error.message}`)
  }
  if (state.awaitingInput.length > 0) {
    lines.push('waiting for:', indented(formatRequests(state.runId, state.awaitingInput, s), 2))
  }
  return lines.join('\n')
}
