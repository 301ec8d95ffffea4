export { defineConfig } from './config.js'
export type { HoldpointConfig } from './config.js'
