import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * What an API key may do: `read` the GET endpoints, `answer` requests, or everything (`admin`,
 * which includes the other two).
 *
 * @example
 * ```ts
 * const inbox: Scope[] = ['read', 'answer']
 * ```
 */
export type Scope = 'read' | 'answer' | 'admin'

/**
 * The scopes there are.
 *
 * @example
 * ```ts
 * scopes.includes('admin') // true
 * ```
 */
export const scopes: readonly Scope[] = ['read', 'answer', 'admin']

/**
 * One API key the server accepts as `Authorization: Bearer <key>`. Give the key itself, or, to
 * keep it out of your configuration, its SHA-256 as hex (`sha256`).
 *
 * @example
 * ```ts
 * const keys: ApiKey[] = [
 *   { name: 'backend', key: process.env.HOLDPOINT_ADMIN_KEY ?? '', scopes: ['admin'] },
 *   { name: 'inbox-ui', sha256: 'a3f1…', scopes: ['read', 'answer'] },
 * ]
 * ```
 */
export interface ApiKey {
  /** Who uses the key: logged, and recorded as who answered (`input_received.by`). */
  name: string
  /** The key itself; at least 16 characters. */
  key?: string
  /** Or its SHA-256, 64 hex digits (`sha256Hex(key)`). */
  sha256?: string
  scopes: readonly Scope[]
}

/** A key's holder, once the key matched. */
export interface KeyHolder {
  name: string
  scopes: ReadonlySet<Scope>
}

interface StoredKey extends KeyHolder {
  hash: Buffer
}

/**
 * The SHA-256 of a key as hex, to put in `ApiKey.sha256`.
 *
 * @example
 * ```ts
 * sha256Hex('my-long-random-key') // '6c5e…'
 * ```
 */
export function sha256Hex(key: string): string {
  return sha256(key).toString('hex')
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/**
 * The configured keys, stored as hashes and matched in constant time: the presented key is
 * hashed and compared with every configured hash, so neither the match nor its position shows in
 * the time taken.
 *
 * @example
 * ```ts
 * const ring = new ApiKeyring([{ name: 'ci', key: 'k'.repeat(32), scopes: ['admin'] }])
 * ring.match('k'.repeat(32))?.name // 'ci'
 * ```
 */
export class ApiKeyring {
  readonly #keys: StoredKey[]

  /** Throws a `TypeError` for a malformed key: no name, no key or hash, an unknown scope. */
  constructor(keys: readonly ApiKey[]) {
    const names = new Set<string>()
    this.#keys = keys.map((key, i) => {
      const where = `auth.keys[${i}]`
      if (typeof key.name !== 'string' || key.name.trim() === '') {
        throw new TypeError(`${where} needs a name.`)
      }
      if (names.has(key.name))
        throw new TypeError(`${where}: the name "${key.name}" is used twice.`)
      names.add(key.name)
      if (!Array.isArray(key.scopes) || key.scopes.length === 0) {
        throw new TypeError(`${where} (${key.name}) needs scopes: ${scopes.join(', ')}.`)
      }
      for (const scope of key.scopes) {
        if (!scopes.includes(scope)) {
          throw new TypeError(`${where} (${key.name}) has an unknown scope "${String(scope)}".`)
        }
      }
      return { name: key.name, scopes: expand(key.scopes), hash: hashOf(key, where) }
    })
  }

  /** The holder of `presented`, or `undefined` when no key matches. */
  match(presented: string): KeyHolder | undefined {
    const hash = sha256(presented)
    let found: StoredKey | undefined
    for (const key of this.#keys) {
      if (timingSafeEqual(hash, key.hash) && found === undefined) found = key
    }
    return found && { name: found.name, scopes: found.scopes }
  }
}

function hashOf(key: ApiKey, where: string): Buffer {
  if (key.key !== undefined && key.sha256 !== undefined) {
    throw new TypeError(`${where} (${key.name}): give key or sha256, not both.`)
  }
  if (typeof key.key === 'string') {
    if (key.key.length < 16) {
      throw new TypeError(`${where} (${key.name}): the key must be at least 16 characters.`)
    }
    return sha256(key.key)
  }
  if (typeof key.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(key.sha256)) {
    return Buffer.from(key.sha256, 'hex')
  }
  throw new TypeError(`${where} (${key.name}) needs a key, or its sha256 as 64 hex digits.`)
}

function expand(granted: readonly Scope[]): ReadonlySet<Scope> {
  return new Set(granted.includes('admin') ? scopes : granted)
}
