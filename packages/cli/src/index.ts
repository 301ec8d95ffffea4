export { defineConfig } from './config.js'
export type { HoldpointConfig, ServerConfig } from './config.js'
