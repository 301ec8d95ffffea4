import { z } from 'zod'

/**
 * Schemas published as named components of the OpenAPI document (`#/components/schemas/<id>`).
 * Request and response schemas register themselves here where they are defined.
 */
export const components = z.registry<{ id: string; description?: string }>()

/**
 * Registers `schema` as the component `id` and returns it, so a definition reads as one line.
 *
 * @example
 * ```ts
 * export const cancelBody = component('CancelBody', z.strictObject({ reason: z.string().optional() }))
 * ```
 */
export function component<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  components.add(schema, description === undefined ? { id } : { id, description })
  return schema
}

/** Any JSON value. */
export const anyJson = z.unknown().meta({ description: 'Any JSON value.' })

/** A date as an ISO 8601 string in UTC. */
export const isoDate = z.string().meta({ format: 'date-time' })
