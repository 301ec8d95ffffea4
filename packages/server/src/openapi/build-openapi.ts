import { z } from 'zod'
import type { Route, ResponseSpec } from '../http/route.js'
import { apiRoutes } from '../routes/index.js'
import { components } from '../schemas/registry.js'
import { errorResponse as error } from '../schemas/response-schemas.js'

type JsonSchema = Record<string, unknown>

/**
 * An OpenAPI 3.1 document, as `GET /openapi.json` serves it.
 *
 * @example
 * ```ts
 * const doc: OpenApiDocument = openApiDocument()
 * Object.keys(doc.paths) // ['/workflows', '/workflows/{id}/runs', '/runs', …]
 * ```
 */
export interface OpenApiDocument {
  openapi: '3.1.0'
  jsonSchemaDialect: string
  info: { title: string; version: string; description?: string }
  tags: { name: string }[]
  paths: Record<string, Record<string, Record<string, unknown>>>
  components: {
    schemas: Record<string, JsonSchema>
    securitySchemes: Record<string, Record<string, unknown>>
  }
}

const securitySchemes = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key: Authorization: Bearer <key>. Its scopes (read, answer, admin) are listed on each operation.',
  },
  answerToken: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'A signed answer token: Authorization: AnswerToken <token>. Answers one request of one run.',
  },
  answerTokenQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'The same answer token as a query parameter, as answer links carry it.',
  },
}

/**
 * Builds the OpenAPI 3.1 document of `routes` from the zod schemas that validate them
 * (`z.toJSONSchema`, JSON Schema 2020-12, the input side for requests).
 *
 * @example
 * ```ts
 * const doc = buildOpenApi(routes, { title: 'Holdpoint', version: '0.1.0' })
 * doc.paths['/runs/{id}']?.get?.operationId // 'getRun'
 * ```
 */
export function buildOpenApi(
  routes: readonly Route[],
  info: OpenApiDocument['info'],
): OpenApiDocument {
  const uri = (id: string): string => `#/components/schemas/${id}`
  const generated = z.toJSONSchema(components, { uri, io: 'input', unrepresentable: 'any' })
  const schemas: Record<string, JsonSchema> = {}
  for (const [id, schema] of Object.entries(generated.schemas)) schemas[id] = bare(schema)

  const paths: OpenApiDocument['paths'] = {}
  const tags = new Set<string>()
  for (const { spec } of routes) {
    tags.add(spec.tag)
    const parameters = [
      ...parametersOf(spec.params, 'path'),
      ...parametersOf(spec.query, 'query'),
      ...parametersOf(spec.headers, 'header'),
    ]
    const operation: Record<string, unknown> = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      tags: [spec.tag],
      security: securityOf(spec.access),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(spec.body
        ? {
            requestBody: {
              required: spec.bodyRequired === true,
              content: { 'application/json': { schema: schemaOrRef(spec.body, uri) } },
            },
          }
        : {}),
      responses: responsesOf(spec, uri),
    }
    ;(paths[spec.path] ??= {})[spec.method] = operation
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info,
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: { schemas, securitySchemes },
  }
}

function securityOf(access: Route['spec']['access']): Record<string, string[]>[] {
  if ('public' in access) return []
  const tokens: Record<string, string[]>[] = [{ answerToken: [] }, { answerTokenQuery: [] }]
  if (access.scope === undefined) return tokens
  const key = { apiKey: [access.scope] }
  return access.token === 'also' ? [key, ...tokens] : [key]
}

function parametersOf(
  schema: z.ZodType | undefined,
  where: 'path' | 'query' | 'header',
): unknown[] {
  if (!schema) return []
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>
    required?: string[]
  }
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property
    return {
      name: where === 'header' ? headerName(name) : name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    }
  })
}

function responsesOf(spec: Route['spec'], uri: (id: string) => string): Record<string, unknown> {
  const responses: Record<string, ResponseSpec> = { ...spec.responses }
  const validated = spec.params || spec.query || spec.headers || spec.body
  if (validated)
    responses[400] ??= error('The request is malformed (INVALID_REQUEST, MALFORMED_JSON).')
  if (!('public' in spec.access)) {
    responses[401] ??= error('No valid credentials (UNAUTHORIZED, INVALID_TOKEN, TOKEN_EXPIRED).')
    responses[403] ??= error('The credentials do not allow this (FORBIDDEN).')
  }
  if (spec.body) {
    responses[413] ??= error('The body is too large (PAYLOAD_TOO_LARGE).')
    responses[415] ??= error('The body is not JSON (UNSUPPORTED_MEDIA_TYPE).')
  }
  responses[503] ??= error(
    'The store is unavailable or the server is shutting down; see Retry-After.',
  )
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const content: Record<string, unknown> = {}
      if (response.eventStream) content['text/event-stream'] = { schema: { type: 'string' } }
      if (response.schema)
        content['application/json'] = { schema: schemaOrRef(response.schema, uri) }
      return [
        status,
        {
          description: response.description,
          ...(Object.keys(content).length > 0 ? { content } : {}),
        },
      ]
    }),
  )
}

/** A `$ref` to the component when the schema is one, the schema itself otherwise. */
function schemaOrRef(schema: z.ZodType, uri: (id: string) => string): JsonSchema {
  const meta = components.get(schema)
  if (meta) return { $ref: uri(meta.id) }
  return bare(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema)
}

/** Inside an OpenAPI document the dialect is set once, and ids would be resolved against the document. */
function bare(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema
  return rest
}

function headerName(name: string): string {
  return name.replace(
    /(^|-)([a-z])/g,
    (_, dash: string, letter: string) => dash + letter.toUpperCase(),
  )
}

/**
 * The OpenAPI 3.1 document of the Holdpoint API, as `GET /openapi.json` serves it.
 *
 * @example
 * ```ts
 * writeFileSync('openapi.json', JSON.stringify(openApiDocument(), null, 2))
 * ```
 */
export function openApiDocument(info: Partial<OpenApiDocument['info']> = {}): OpenApiDocument {
  return buildOpenApi(apiRoutes, {
    title: info.title ?? 'Holdpoint API',
    version: info.version ?? '0.1.0',
    description:
      info.description ??
      'Start workflow runs, list the inbox, answer requests and follow runs as Server-Sent Events.',
  })
}
