import { randomFillSync } from 'node:crypto'

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
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
  const hex = Buffer.from(bytes).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
