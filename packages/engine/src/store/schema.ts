import type { ColumnType } from 'kysely'
import type { JsonObject, JsonValue } from '../json.js'
import type { WorkflowStatus } from '../status.js'
import type { RequestSpec, RequestStatus, RunPosition, SerializedError } from './store.js'

/** json columns: objects when read, JSON text when written. */
type Json<T> = ColumnType<T, string, string>

/** The `holdpoint` schema as kysely sees it. */
export interface Database {
  'holdpoint.runs': {
    id: string
    workflow: string
    version: number
    status: WorkflowStatus
    node: string | null
    visit: number
    position: Json<RunPosition>
    state: Json<JsonObject>
    outputs: Json<JsonObject>
    input: Json<JsonValue>
    output: Json<JsonValue | null> | null
    error: Json<SerializedError> | null
    row_version: number
    event_seq: number
    created_at: Date
    updated_at: Date
    lease_owner: string | null
    lease_until: Date | null
    wake_at: Date | null
    write_token: string | null
    /** Until when someone follows the run's events live (see `follow`). */
    followed_until: Date | null
  }
  'holdpoint.requests': {
    run_id: string
    node: string
    visit: number
    request_id: string
    seq: number
    /** Without its schema: `schema_id` names it in `holdpoint.schemas`. */
    spec: Json<RequestSpec>
    schema_id: string | null
    status: RequestStatus
    answer: Json<JsonValue> | null
    answered_at: Date | null
    expires_at: Date | null
    created_at: Date
  }
  'holdpoint.schemas': {
    /** The first 128 bits of the SHA-256 of the schema's JSON text. */
    id: string
    schema: Json<JsonObject>
  }
  'holdpoint.steps': {
    run_id: string
    node: string
    visit: number
    key: string
    seq: number
    result: Json<JsonValue> | null
  }
  'holdpoint.history': {
    run_id: string
    last_seq: number
    at: Date
    /** `[type, data]` pairs, stored as `json` text. */
    events: Json<Array<[string, JsonObject]>>
  }
}
