/**
 * Just enough of the Postgres wire protocol (v3) for the fault proxy: it frames the byte streams
 * of both directions into messages and reports the few that matter — where a writing statement
 * is sent to the server, and where the server says it is ready for the next one.
 * https://www.postgresql.org/docs/15/protocol-message-formats.html
 */

const sslRequest = 80877103
const gssEncRequest = 80877104

/** A client message that ends a unit of work the server will answer with ReadyForQuery. */
export interface ClientBoundary {
  /** `Q` for a simple query, `S` for the Sync that closes an extended-protocol batch. */
  type: 'Q' | 'S'
  /** Whether the unit executes a statement that writes (WITH, INSERT, UPDATE, DELETE). */
  writes: boolean
}

/** A server message the proxy acts on. */
export type ServerEvent =
  { type: 'ready'; status: 'I' | 'T' | 'E' } | { type: 'error' } | { type: 'encryption-response' }

/** True when `sql` starts (after comments and blanks) with a statement that may write. */
export function isWriteStatement(sql: string): boolean {
  const text = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '')
  return /^(with|insert|update|delete)\b/i.test(text)
}

/**
 * Frames client-to-server bytes. The first message has no type byte (startup, or an encryption
 * request followed by another startup); after that every message is a type byte and a length.
 */
export class ClientParser {
  #buffer: Buffer = Buffer.alloc(0)
  #startup = true
  /** Writes-or-not of prepared statements and bound portals, by name ('' is the unnamed one). */
  readonly #statements = new Map<string, boolean>()
  readonly #portals = new Map<string, boolean>()
  /** An Execute since the last Sync ran a writing statement. */
  #batchWrites = false
  /** Called when the client asked for SSL or GSS encryption: the server answers with one byte. */
  onEncryptionRequest: () => void = () => {}

  /** Consumes a chunk; returns the boundaries it completed, in order. */
  push(chunk: Buffer): ClientBoundary[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    const boundaries: ClientBoundary[] = []
    for (;;) {
      if (this.#startup) {
        if (this.#buffer.length < 8) break
        const length = this.#buffer.readInt32BE(0)
        if (this.#buffer.length < length) break
        const code = this.#buffer.readInt32BE(4)
        this.#buffer = this.#buffer.subarray(length)
        if (code === sslRequest || code === gssEncRequest) this.onEncryptionRequest()
        else this.#startup = false
        continue
      }
      if (this.#buffer.length < 5) break
      const type = String.fromCharCode(this.#buffer[0] as number)
      const length = this.#buffer.readInt32BE(1)
      if (this.#buffer.length < 1 + length) break
      const body = this.#buffer.subarray(5, 1 + length)
      this.#buffer = this.#buffer.subarray(1 + length)
      const boundary = this.#handle(type, body)
      if (boundary) boundaries.push(boundary)
    }
    // Keep no reference to a large consumed chunk.
    if (this.#buffer.length === 0) this.#buffer = Buffer.alloc(0)
    return boundaries
  }

  #handle(type: string, body: Buffer): ClientBoundary | undefined {
    switch (type) {
      case 'Q':
        return { type: 'Q', writes: isWriteStatement(cString(body, 0).text) }
      case 'P': {
        const name = cString(body, 0)
        this.#statements.set(name.text, isWriteStatement(cString(body, name.end).text))
        return undefined
      }
      case 'B': {
        const portal = cString(body, 0)
        const statement = cString(body, portal.end)
        this.#portals.set(portal.text, this.#statements.get(statement.text) ?? false)
        return undefined
      }
      case 'E':
        if (this.#portals.get(cString(body, 0).text)) this.#batchWrites = true
        return undefined
      case 'S': {
        const writes = this.#batchWrites
        this.#batchWrites = false
        return { type: 'S', writes }
      }
      default:
        return undefined
    }
  }
}

/**
 * Frames server-to-client bytes without copying message bodies: only the five-byte header of
 * each message is looked at, plus the status byte of ReadyForQuery.
 */
export class ServerParser {
  #header: Buffer = Buffer.alloc(0)
  /** Body bytes of the current message still to skip. */
  #remaining = 0
  #currentType = ''
  /** Single-byte answers to encryption requests still expected before normal framing. */
  #encryptionAnswers = 0

  /** The client asked for encryption: the server's next byte is a bare 'S' or 'N'. */
  expectEncryptionResponse(): void {
    this.#encryptionAnswers++
  }

  /** Consumes a chunk; returns the events it completed, in order. */
  push(chunk: Buffer): ServerEvent[] {
    const events: ServerEvent[] = []
    let at = 0
    while (at < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - at)
        if (this.#currentType === 'Z' && this.#remaining === 1) {
          events.push({ type: 'ready', status: readyStatus(chunk[at] as number) })
        }
        this.#remaining -= take
        at += take
        continue
      }
      if (this.#encryptionAnswers > 0 && this.#header.length === 0) {
        this.#encryptionAnswers--
        at++
        events.push({ type: 'encryption-response' })
        continue
      }
      const need = 5 - this.#header.length
      const piece = chunk.subarray(at, at + need)
      this.#header = this.#header.length === 0 ? piece : Buffer.concat([this.#header, piece])
      at += piece.length
      if (this.#header.length < 5) break
      this.#currentType = String.fromCharCode(this.#header[0] as number)
      this.#remaining = this.#header.readInt32BE(1) - 4
      this.#header = Buffer.alloc(0)
      if (this.#currentType === 'E') events.push({ type: 'error' })
    }
    return events
  }
}

function readyStatus(byte: number): 'I' | 'T' | 'E' {
  const status = String.fromCharCode(byte)
  return status === 'T' || status === 'E' ? status : 'I'
}

function cString(buffer: Buffer, start: number): { text: string; end: number } {
  const zero = buffer.indexOf(0, start)
  const end = zero < 0 ? buffer.length : zero
  return { text: buffer.toString('utf8', start, end), end: end + 1 }
}
