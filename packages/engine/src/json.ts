import { NotSerializableError, PayloadTooLargeError } from './errors.js'

/** A value that survives a round trip through JSON unchanged. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/**
 * For an upper bound of the UTF-8 bytes of a JSON text: no UTF-16 code unit takes more than six bytes
 * (an escape such as `\u001f`; a character outside the BMP is four bytes for two units), no
 * finite number more than 25 characters.
 */
const BYTES_PER_CODE_UNIT = 6
const MAX_NUMBER_BYTES = 25

/**
 * Checks that `value` is plain JSON and returns it typed as such. `undefined` object members are
 * dropped the way `JSON.stringify` drops them; anything else that JSON would change is refused.
 */
export function toJson(value: unknown, what: string, maxBytes?: number): JsonValue {
  const size = { bound: 0 }
  const json = check(value, what, [], new Set(), size)
  // The bound is enough to let almost every value pass without encoding it only to count bytes.
  if (maxBytes !== undefined && size.bound > maxBytes) {
    const bytes = Buffer.byteLength(JSON.stringify(json))
    if (bytes > maxBytes) throw new PayloadTooLargeError(what, bytes, maxBytes)
  }
  return json
}

/**
 * The keys and indexes from the checked value down to the one being checked: kept as a stack and
 * spelled out (`$.a[0].b`) only when a value is refused, since most values pass.
 */
type Trail = Array<string | number>

function pathOf(trail: Trail): string {
  return `$${trail.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('')}`
}

/** Running total of the bound on the checked value's JSON size (see `BYTES_PER_CODE_UNIT`). */
interface SizeBound {
  bound: number
}

function check(
  value: unknown,
  what: string,
  trail: Trail,
  seen: Set<object>,
  size: SizeBound,
): JsonValue {
  switch (typeof value) {
    case 'string':
      if (value.includes('\u0000')) throw new NotSerializableError(what, pathOf(trail), nulReason)
      if (loneSurrogate.test(value)) {
        throw new NotSerializableError(what, pathOf(trail), surrogateReason)
      }
      size.bound += BYTES_PER_CODE_UNIT * value.length + 2
      return value
    case 'boolean':
      size.bound += 5
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new NotSerializableError(what, pathOf(trail))
      size.bound += MAX_NUMBER_BYTES
      return value
    case 'object': {
      if (value === null) {
        size.bound += 4
        return null
      }
      if (seen.has(value)) throw new NotSerializableError(what, pathOf(trail))
      seen.add(value)
      try {
        if (Array.isArray(value)) {
          size.bound += 2 + value.length // brackets and commas
          // Every index, holes included: JSON writes a hole as null, so a hole is refused as
          // `undefined` is (`map` would skip it, and its bytes).
          const items: JsonValue[] = []
          for (let i = 0; i < value.length; i++) {
            trail.push(i)
            items.push(check(value[i], what, trail, seen, size))
            trail.pop()
          }
          return items
        }
        const proto: unknown = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          if (value instanceof Date) {
            if (Number.isNaN(Date.prototype.getTime.call(value)))
              throw new NotSerializableError(what, pathOf(trail), 'it is an invalid Date')
            // The built-in method: an own or inherited override could return anything.
            const iso = Date.prototype.toISOString.call(value)
            size.bound += iso.length + 2
            return iso
          }
          throw new NotSerializableError(what, pathOf(trail))
        }
        const record = value as Record<string, unknown>
        const out: JsonObject = {}
        size.bound += 2 // braces
        for (const k of Object.keys(record)) {
          const v = record[k]
          if (v === undefined) continue
          if (k.includes('\u0000') || loneSurrogate.test(k)) {
            throw new NotSerializableError(
              what,
              `${pathOf(trail)} (a key)`,
              k.includes('\u0000') ? nulReason : surrogateReason,
            )
          }
          size.bound += BYTES_PER_CODE_UNIT * k.length + 4 // quotes, colon, comma
          trail.push(k)
          const json = check(v, what, trail, seen, size)
          trail.pop()
          // Defined, not assigned: a "__proto__" member stays a member instead of becoming the prototype.
          if (k === '__proto__') {
            Object.defineProperty(out, k, {
              value: json,
              enumerable: true,
              writable: true,
              configurable: true,
            })
          } else out[k] = json
        }
        return out
      } finally {
        seen.delete(value)
      }
    }
    default:
      throw new NotSerializableError(what, pathOf(trail))
  }
}

const nulReason = 'it contains U+0000, which Postgres cannot store'
const surrogateReason = 'it contains half of a surrogate pair, which is not Unicode text'
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Whether Postgres can hold this text: no U+0000 and no half of a surrogate pair. What is stored
 * passed this check, so a lookup by a text that fails it can match nothing.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !loneSurrogate.test(text)
}

/** Structural equality of two JSON values; key order does not matter. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => jsonEqual(v, b[i] as JsonValue))
  }
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k] as JsonValue, b[k] as JsonValue))
}
