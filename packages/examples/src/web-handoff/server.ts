/**
 * Starts the web hand-off app on Postgres.
 *
 *   DATABASE_URL=postgres://… PORT=3000 \
 *     node --conditions=@holdpoint/source --import tsx packages/examples/src/web-handoff/server.ts
 *
 * `PORT=0` (the default) picks a free port. The first line on stdout is the port, so scripts
 * and tests can start several instances and find them. Run two instances on one database to see
 * a run started on one and answered on the other.
 */
import { postgresStore } from 'holdpoint/postgres'
import { createWebHandoffApp } from './app.js'

const connectionString = process.env.DATABASE_URL
const port = Number(process.env.PORT ?? '0')
const host = process.env.HOST ?? '127.0.0.1'

if (!connectionString) {
  console.error(
    'Set DATABASE_URL to a Postgres connection string, e.g. postgres://postgres@127.0.0.1:5432/postgres',
  )
  process.exit(2)
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535, got "${process.env.PORT}".`)
  process.exit(2)
}

const app = createWebHandoffApp({
  store: postgresStore({ connectionString }),
  notify: (message) => console.error(`notify: ${message}`),
})
const listening = await app.listen(port, host)
process.stdout.write(`${listening}\n`)

let closing = false
const shutdown = (): void => {
  if (closing) return
  closing = true
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
