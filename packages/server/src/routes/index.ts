import type { Route } from '../http/route.js'
import { showAnswerLink } from './answer-link-route.js'
import { runEvents } from './event-routes.js'
import { openApi } from './openapi-route.js'
import { health } from './health-route.js'
import { deliverInput } from './input-route.js'
import { cancelRun, forkRun, retryRun } from './run-action-routes.js'
import { getRun, listRuns, startRun } from './run-routes.js'
import { listWorkflows } from './workflow-routes.js'

/** Every route of the API, in the order the OpenAPI document lists them. */
export const apiRoutes: readonly Route[] = [
  listWorkflows,
  startRun,
  listRuns,
  getRun,
  deliverInput,
  cancelRun,
  retryRun,
  forkRun,
  runEvents,
  showAnswerLink,
  health,
  openApi,
]
