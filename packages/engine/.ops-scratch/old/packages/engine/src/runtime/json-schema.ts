import { z } from 'zod'
import type { JsonObject } from '../json.js'

const cache = new WeakMap<z.ZodType, JsonObject>()

/** The JSON Schema of what a person must send, computed once per schema object. */
export function jsonSchemaOf(schema: z.ZodType): JsonObject {
  let json = cache.get(schema)
  if (!json) {
    const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
    json = rest as JsonObject
    cache.set(schema, json)
  }
  return json
}
