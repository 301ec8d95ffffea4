import type { ApiKey, RunningServer } from '@holdpoint/server'
import { parseCommand, printHelp, UsageError } from '../args.js'
import { CliError } from '../cli-error.js'
import type { ServerConfig } from '../config.js'
import { describeStore, openProject } from '../open-holdpoint.js'
import { integerOption, rejectExtraArguments } from '../option-checks.js'
import { firstSignal } from '../signals.js'
import { storeFlags, storeOptions, storeOptionsUsage } from '../store-options.js'

/** Usage of `holdpoint serve`. */
export const serveUsage = `Usage: holdpoint serve [--port N] [--host HOST] [--worker] [--concurrency N]
                       [--database-url URL | --data-dir DIR] [--config PATH]

Serves the HTTP API of the config's workflows: start runs, list the inbox, answer
requests (with API keys or signed answer links), follow runs as Server-Sent
Events, and the OpenAPI document at /openapi.json. See docs/server.md.

  --port N          default: the config's server.port, else 8787
  --host HOST       default: the config's server.host, else 127.0.0.1
                    (0.0.0.0 listens on every interface)
  --worker          also run a worker in this process, for runs started or
                    answered with background: true, deadlines and sleeps
                    (needed with --data-dir, where no other process can)
  --concurrency N   the worker's runs at once (default 4)

API keys come from the config (server.keys) and from HOLDPOINT_API_KEYS, written
as name:scope+scope:key entries separated by commas; scopes are read, answer and
admin. Answer links need a secret of at least 32 characters: the config's
server.answerLinkSecret, else HOLDPOINT_ANSWER_LINK_SECRET. It refuses to start
without a key. Pages on other origins may call it when the config lists them in
server.cors (see docs/server.md). Logs JSON lines (pino) on stdout;
HOLDPOINT_LOG_LEVEL sets the level.

On SIGTERM or SIGINT it stops accepting connections, ends event streams, waits up
to 10 s for requests in progress, closes the store and exits with 0. A second
signal exits at once with 1.

${storeOptionsUsage}`

const options = {
  ...storeOptions,
  port: { type: 'string' },
  host: { type: 'string' },
  worker: { type: 'boolean' },
  concurrency: { type: 'string' },
} as const

/**
 * `holdpoint serve`: serves the API until SIGTERM or SIGINT, then shuts down gracefully.
 *
 * @example
 * ```ts
 * process.exitCode = await serveCommand(['--port', '8787', '--database-url', url])
 * ```
 */
export async function serveCommand(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  const { values, positionals } = parseCommand(argv, options, serveUsage)
  if (values.help) return printHelp(serveUsage)
  rejectExtraArguments(positionals, serveUsage)
  const concurrency = integerOption(values, 'concurrency', { min: 1, default: 4 }, serveUsage)
  // Loaded here, not at the top: the other commands never need the server's dependencies.
  const server = await import('@holdpoint/server')
  const { hp, where, config } = await openProject(storeFlags(values), cwd, {
    needsConfig: true,
    mustExist: false,
    maxConnections: 10 + (values.worker ? concurrency : 0),
  })
  const settings = config?.server ?? {}
  let running: RunningServer
  let keys: ApiKey[]
  const logger = server.createLogger()
  try {
    keys = apiKeys(settings, server.parseApiKeys)
    const port = integerOption(
      values,
      'port',
      { min: 0, default: settings.port ?? 8787 },
      serveUsage,
    )
    // Checked after the default, so that the config's server.port is held to the limit too.
    if (port > 65_535)
      throw new UsageError(`--port must be at most 65535, got ${port}.`, serveUsage)
    const secret = settings.answerLinkSecret ?? envSecret()
    // Fail at once on an unreachable database rather than at the first request.
    await hp.store()
    running = await server.serve(hp, {
      port,
      host: values.host ?? settings.host ?? '127.0.0.1',
      auth: { keys, ...(secret === undefined ? {} : { answerLinkSecret: secret }) },
      ...(settings.cors === undefined ? {} : { cors: settings.cors }),
      logger,
      closeHoldpoint: true,
    })
    if (values.worker) {
      hp.worker({
        concurrency,
        onError: (error, runId) => logger.error({ err: error, runId }, 'worker error'),
      })
    }
  } catch (error) {
    await hp.close()
    // createApp refuses malformed keys, secrets and options with a TypeError that names the entry.
    if (error instanceof TypeError) throw new CliError(error.message, { cause: error })
    throw error
  }
  logger.info(
    {
      url: running.url,
      store: describeStore(where),
      workflows: hp.workflows.map((w) => `${w.id}@${w.version}`),
      keys: keys.map((key) => `${key.name} (${key.scopes.join('+')})`),
      answerLinks: settings.answerLinkSecret !== undefined || envSecret() !== undefined,
      worker: values.worker ? { concurrency } : false,
    },
    'listening',
  )
  const signal = await firstSignal(() => {
    logger.warn('second signal: exiting at once')
    process.exit(1)
  })
  logger.info({ signal }, 'shutting down')
  await running.close()
  logger.info('stopped')
  return 0
}

function apiKeys(settings: ServerConfig, parse: (text: string) => ApiKey[]): ApiKey[] {
  let fromEnv: ApiKey[]
  try {
    fromEnv = parse(process.env.HOLDPOINT_API_KEYS ?? '')
  } catch (error) {
    throw new CliError(`HOLDPOINT_API_KEYS: ${(error as Error).message}`)
  }
  const keys = [...(settings.keys ?? []), ...fromEnv]
  if (keys.length === 0) {
    throw new CliError(
      'No API keys. Set HOLDPOINT_API_KEYS=name:scope+scope:key (scopes: read, answer, admin), ' +
        'or list server.keys in the config.',
    )
  }
  return keys
}

function envSecret(): string | undefined {
  const secret = process.env.HOLDPOINT_ANSWER_LINK_SECRET
  return secret === undefined || secret === '' ? undefined : secret
}
