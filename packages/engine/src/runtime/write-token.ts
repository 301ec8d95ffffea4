import { randomFillSync } from 'node:crypto'

// Entropy is drawn 8 KiB at a time: a call to the system's generator per checkpoint cost more
// than the rest of making the token.
const pool = Buffer.alloc(8192)
let offset = pool.length

/** A random 63-bit number, as a decimal string: unique enough to recognise one's own write. */
export function writeToken(): string {
  if (offset + 8 > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const value = pool.readBigUInt64BE(offset) >> 1n
  offset += 8
  return value.toString()
}
