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

  it('refuses a cycle but takes the same object twice side by side', () => {
    const shared = { n: 1 }
    expect(JSON.stringify(toJson({ a: shared, b: shared }, 'The value'))).toBe(
      '{"a":{"n":1},"b":{"n":1}}',
    )
    const cyclic: Record<string, unknown> = {}
    cyclic.self = { again: cyclic }
    expect(refusal(cyclic)).toContain('$.self.again is not')
  })
})
