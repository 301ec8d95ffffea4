import { randomBytes } from 'node:crypto'

/** A random 63-bit number, as a decimal string: unique enough to recognise one's own write. */
export function writeToken(): string {
  return (randomBytes(8).readBigUInt64BE() >> 1n).toString()
}
