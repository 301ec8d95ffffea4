import { createHash, randomFillSync } from 'node:crypto'

/**
 * A UUID version 7: time-ordered, so new runs land at the right edge of the primary key index
 * instead of scattering writes across it.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = randomFillSync(new Uint8Array(16))
  let ms = now
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  return format(bytes, 0x70)
}

/**
 * A UUID version 8 derived from a name (SHA-256): the same name always gives the same id, so an
 * idempotency key maps to one run without a lookup table.
 */
export function nameBasedUuid(name: string): string {
  return format(new Uint8Array(createHash('sha256').update(name).digest().subarray(0, 16)), 0x80)
}

function format(bytes: Uint8Array, version: number): string {
  bytes[6] = ((bytes[6] as number) & 0x0f) | version
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
  const hex = Buffer.from(bytes).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
