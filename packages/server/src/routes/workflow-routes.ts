import { z } from 'zod'
import type { AnyWorkflow } from 'holdpoint'
import { defineRoute } from '../http/route.js'
import { workflowListSchema } from '../schemas/response-schemas.js'
import { workflowGraph } from '../views/workflow-graph.js'

/** `GET /workflows`: every registered workflow version, with its graph and input schema. */
export const listWorkflows = defineRoute(
  {
    method: 'get',
    path: '/workflows',
    operationId: 'listWorkflows',
    summary: 'List the registered workflows',
    description:
      'Every registered workflow version, with its nodes and edges (read off its XState machine) and the JSON Schema of its input.',
    tag: 'workflows',
    access: { scope: 'read' },
    responses: { 200: { description: 'The workflows.', schema: workflowListSchema } },
  },
  async ({ c, app }) =>
    c.json({
      workflows: app.hp.workflows.map((workflow) => ({
        ...workflowGraph(workflow),
        inputSchema: inputSchemaOf(workflow),
      })),
    }),
)

function inputSchemaOf(workflow: AnyWorkflow): Record<string, unknown> | null {
  if (!workflow.inputSchema) return null
  try {
    return z.toJSONSchema(workflow.inputSchema, {
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>
  } catch {
    // A schema zod cannot describe (a cycle it refuses, say): the API still lists the workflow.
    return null
  }
}
