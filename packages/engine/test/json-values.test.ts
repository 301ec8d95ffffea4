import { describe, expect, it } from 'vitest'
import { HoldpointError } from '../src/index.js'
import { toJson } from '../src/json.js'

function refusal(value: unknown): string {
  try {
    toJson(value, 'The value')
  } catch (error) {
    expect(HoldpointError.is(error, 'NOT_SERIALIZABLE')).toBe(true)
    return (error as Error).message
  }
  throw new Error(`${String(value)} was taken`)
}

describe('toJson', () => {
  it('names where a refused value sits, through objects and arrays', () => {
    expect(refusal({ a: [1, { b: () => 1 }] })).toContain('$.a[1].b is not')
    expect(refusal([0, [Number.NaN]])).toContain('$[1][0] is not')
    expect(refusal({ text: 'a\u0000b' })).toContain('$.text is not: it contains U+0000')
    expect(refusal({ ['k\ud800']: 1 })).toContain('$ (a key) is not')
    expect(refusal(new Map())).toContain('$ is not')
  })

  it('names the right place after siblings that passed', () => {
    expect(refusal({ ok: { deep: [1, 2] }, next: [{ fine: true }, { bad: 1n }] })).toContain(
      '$.next[1].bad is not',
    )
  })

  it('copies plain JSON, dropping undefined members and keeping "__proto__" as a member', () => {
    const input = JSON.parse('{"__proto__":{"x":1},"a":[1,"two",null],"b":{"c":false}}') as object
    const json = toJson({ ...input, gone: undefined }, 'The value')
    expect(json).not.toBe(input)
    expect(JSON.stringify(json)).toBe('{"__proto__":{"x":1},"a":[1,"two",null],"b":{"c":false}}')
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype)
  })

  it('refuses an array with holes, which JSON would fill with null', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(refusal([1, , 3])).toContain('$[1] is not')
    expect(refusal({ big: new Array(1_000_000) })).toContain('$.big[0] is not')
  })

  it('writes a Date as its ISO text, whatever its own toISOString says', () => {
    const date = new Date(0)
    Object.assign(date, { toISOString: () => 'not a date "at all"' })
    expect(toJson({ at: date }, 'The value', 100)).toEqual({ at: '1970-01-01T00:00:00.000Z' })
  })

  it('refuses a cycle but takes the same object twice side by side', () => {
    const shared = { n: 1 }
    expect(JSON.stringify(toJson({ a: shared, b: shared }, 'The value'))).toBe(
      '{"a":{"n":1},"b":{"n":1}}',
    )
    const cyclic: Record<string, unknown> = {}
    cyclic.self = { again: cyclic }
    expect(refusal(cyclic)).toContain('$.self.again is not')
  })

  it('measures bytes of JSON exactly at the limit, whatever the shortcut for small values', () => {
    const tooLarge = (value: unknown, maxBytes: number): boolean => {
      try {
        toJson(value, 'The value', maxBytes)
        return false
      } catch (error) {
        expect(HoldpointError.is(error, 'PAYLOAD_TOO_LARGE')).toBe(true)
        return true
      }
    }
    // {"text":"…"} is 11 bytes around the text; "é" is 2 bytes, a newline 2 once escaped.
    for (const text of ['a'.repeat(20), 'é'.repeat(10), '\n'.repeat(10), '\u0001'.repeat(3)]) {
      const bytes = Buffer.byteLength(JSON.stringify({ text }))
      expect(tooLarge({ text }, bytes)).toBe(false)
      expect(tooLarge({ text }, bytes - 1)).toBe(true)
    }
    const nested = { list: [1.5, -2e-300, true, null, { at: new Date(0) }], n: 12345678901234 }
    const bytes = Buffer.byteLength(JSON.stringify(nested))
    expect(tooLarge(nested, bytes)).toBe(false)
    expect(tooLarge(nested, bytes - 1)).toBe(true)
  })
})
