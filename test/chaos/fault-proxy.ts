import { connect, createServer, type Server, type Socket } from 'node:net'
import { ClientParser, ServerParser } from './wire-protocol.js'

/** Options of `FaultProxy.listen`. */
export interface FaultProxyOptions {
  upstreamPort: number
  upstreamHost?: string
  /** Probability that a writing unit of work becomes an ambiguous commit. Default 0. */
  ambiguousRate?: number
  /** Source of randomness in [0, 1); tests pass their own. */
  random?: () => number
  /** Give up waiting for the server's answer to a doomed statement after this long. */
  doomTimeoutMs?: number
  /** Called each time a write was committed while its client was cut off. */
  onAmbiguous?: () => void
}

/** What the proxy has done so far. */
export interface FaultProxyStats {
  /** Client connections accepted. */
  accepted: number
  /** Connections cut by `dropAll`. */
  dropped: number
  /** Connection attempts refused while the proxy played an unreachable database. */
  refused: number
  /** Writes the server committed while the client was told the connection died. */
  ambiguous: number
  /** Writes picked for an ambiguous commit that the server did not commit (error, transaction). */
  doomedNotCommitted: number
}

interface Pair {
  client: Socket
  server: Socket
  /** Set once a write was picked: the server's answer is swallowed and the pair cut after it. */
  doomed: boolean
  closed: boolean
}

/**
 * A TCP proxy in front of Postgres that can break things on purpose: cut every connection at
 * once, and turn writes into ambiguous commits — forward the statement, let the server commit
 * it, then cut the client off before it hears so. The client sees a connection error for a
 * statement that took effect, which is what a crash or network partition at the wrong moment
 * does to any database client.
 */
export class FaultProxy {
  /** Probability that a writing unit of work becomes an ambiguous commit; change it any time. */
  ambiguousRate: number
  readonly stats: FaultProxyStats = {
    accepted: 0,
    dropped: 0,
    refused: 0,
    ambiguous: 0,
    doomedNotCommitted: 0,
  }
  readonly #server: Server
  readonly #options: FaultProxyOptions
  readonly #random: () => number
  readonly #pairs = new Set<Pair>()
  #refuseUntil = 0

  private constructor(server: Server, options: FaultProxyOptions) {
    this.#server = server
    this.#options = options
    this.ambiguousRate = options.ambiguousRate ?? 0
    this.#random = options.random ?? Math.random
    server.on('connection', (client) => this.#accept(client))
  }

  /** Starts a proxy on a free local port. */
  static async listen(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ noDelay: true })
    const proxy = new FaultProxy(server, options)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    return proxy
  }

  /** The port clients connect to. */
  get port(): number {
    const address = this.#server.address()
    if (typeof address !== 'object' || !address) throw new Error('the proxy is not listening')
    return address.port
  }

  /** Connections currently open. */
  get open(): number {
    return this.#pairs.size
  }

  /** A connection string through the proxy. */
  url(database: string, applicationName?: string): string {
    const query = applicationName ? `?application_name=${encodeURIComponent(applicationName)}` : ''
    return `postgres://postgres@127.0.0.1:${this.port}/${database}${query}`
  }

  /** Cuts every open connection at the wire, both ways; returns how many. */
  dropAll(): number {
    let count = 0
    for (const pair of [...this.#pairs]) {
      if (pair.doomed) continue // already on its way out, counted as ambiguous instead
      count++
      this.#close(pair)
    }
    this.stats.dropped += count
    return count
  }

  /**
   * Plays an unreachable database for `ms`: new connections are cut as soon as they arrive
   * (open ones are left alone; combine with `dropAll` for a full partition).
   */
  refuseFor(ms: number): void {
    this.#refuseUntil = Math.max(this.#refuseUntil, Date.now() + ms)
  }

  /** Stops accepting and cuts everything. */
  async close(): Promise<void> {
    for (const pair of [...this.#pairs]) this.#close(pair)
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(client: Socket): void {
    if (Date.now() < this.#refuseUntil) {
      this.stats.refused++
      client.destroy()
      return
    }
    this.stats.accepted++
    client.setNoDelay(true)
    const server = connect({
      port: this.#options.upstreamPort,
      host: this.#options.upstreamHost ?? '127.0.0.1',
      noDelay: true,
    })
    const pair: Pair = { client, server, doomed: false, closed: false }
    this.#pairs.add(pair)
    const fromClient = new ClientParser()
    const fromServer = new ServerParser()
    fromClient.onEncryptionRequest = () => fromServer.expectEncryptionResponse()
    let doomTimer: NodeJS.Timeout | undefined
    let sawError = false

    client.on('data', (chunk: Buffer) => {
      if (pair.closed) return
      const boundaries = fromClient.push(chunk)
      if (!server.write(chunk)) {
        client.pause()
        server.once('drain', () => client.resume())
      }
      if (pair.doomed) return
      for (const boundary of boundaries) {
        if (boundary.writes && this.ambiguousRate > 0 && this.#random() < this.ambiguousRate) {
          pair.doomed = true
          sawError = false
          doomTimer = setTimeout(() => this.#close(pair), this.#options.doomTimeoutMs ?? 10_000)
          break
        }
      }
    })
    server.on('data', (chunk: Buffer) => {
      if (pair.closed) return
      const events = fromServer.push(chunk)
      if (!pair.doomed) {
        if (!client.write(chunk)) {
          server.pause()
          client.once('drain', () => server.resume())
        }
        return
      }
      // Doomed: the client hears nothing more. Once the server reports the unit done, cut.
      for (const event of events) {
        if (event.type === 'error') sawError = true
        if (event.type === 'ready') {
          if (event.status === 'I' && !sawError) {
            this.stats.ambiguous++
            this.#options.onAmbiguous?.()
          } else this.stats.doomedNotCommitted++
          clearTimeout(doomTimer)
          this.#close(pair)
          return
        }
      }
    })
    const end = (): void => {
      clearTimeout(doomTimer)
      this.#close(pair)
    }
    client.on('error', end)
    server.on('error', end)
    client.on('close', end)
    server.on('close', end)
  }

  #close(pair: Pair): void {
    if (pair.closed) return
    pair.closed = true
    this.#pairs.delete(pair)
    pair.client.destroy()
    pair.server.destroy()
  }
}
