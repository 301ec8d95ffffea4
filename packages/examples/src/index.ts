/**
 * The human-in-the-loop patterns of LlamaIndex Workflows and Grapheteria, ported to Holdpoint.
 * Each module says which original pattern it ports and what Holdpoint does better; each one is
 * run by a test in `../test`, against Postgres and against the embedded PGlite.
 */
export * from './approval.js'
export * from './code-review.js'
export * from './document-approval.js'
export * from './durable-deadline.js'
export * from './form-fields.js'
export * from './iterative-review.js'
export * from './number-prompt.js'
export * from './terminal.js'
export * from './trace.js'
export { createWebHandoffApp } from './web-handoff/app.js'
export type { WebHandoffApp, WebHandoffOptions } from './web-handoff/app.js'
