import { answerRow, requestRow } from './rows.js'
import { INSERT_SCHEMAS } from './sql-schemas.js'
import { requestKey, splitEvents } from './request-events.js'
import { EVENTS_CHANNEL, WAKE_CHANNEL } from './sql-fragments.js'
import {
  APPEND_HISTORY,
  LEASE_UNTIL,
  NEW_REQUEST_COLUMNS,
  RUN_COLUMNS,
  SCHEDULING_COLUMNS,
  WAKE_AT,
  runFields,
  schedulingFields,
} from './batch-fields.js'
import {
  batchedWrite,
  writeBatch,
  type BatchedWrite,
  type BatchItem,
  type ExecuteStatement,
} from './statement.js'
import type { Checkpoint } from './store.js'

/**
 * The parts of a checkpoint statement besides the runs' own update, each a CTE. A batch's
 * statement has those its checkpoints need: every CTE costs the server time to run even when it
 * writes nothing (≈ 0.1 ms per statement for the unused ones together, against ≈ 0.45 ms for the
 * whole round trip), and most checkpoints need one part or none.
 */
export interface CheckpointParts {
  /** Some checkpoint appends a history row (see `splitEvents`). */
  history: boolean
  /** Some checkpoint opens requests (and names their schemas). */
  requests: boolean
  /** Some checkpoint records answers or expiries. */
  answers: boolean
  /** Some checkpoint closes every request its run has open. */
  closes: boolean
}

const PART_LETTERS: ReadonlyArray<[keyof CheckpointParts, string]> = [
  ['history', 'h'],
  ['requests', 'r'],
  ['answers', 'a'],
  ['closes', 'c'],
]

const statements = new Map<string, BatchedWrite>()

/**
 * The statement writing any number of checkpoints of different runs that need at most `parts`.
 * Each run's update is its own compare-and-swap on the row version (and the lease, when
 * required); only the runs it updated get their history, new requests, answers and closed
 * requests, and the statement returns their ids. Workers are woken and followers told at commit.
 * Its name ends with the letters of its parts (`holdpoint_write_checkpoints_hr`, and `_hr_one`
 * for the text of a lone checkpoint), so each of the thirty-two texts is prepared under a name of
 * its own.
 */
export function checkpointStatement(parts: CheckpointParts): BatchedWrite {
  const letters = PART_LETTERS.map(([part, letter]) => (parts[part] ? letter : '')).join('')
  const name = `holdpoint_write_checkpoints${letters === '' ? '' : `_${letters}`}`
  let statement = statements.get(name)
  if (statement === undefined) {
    statement = batchedWrite(name, (rows) => checkpointText(parts, rows))
    statements.set(name, statement)
  }
  return statement
}

function checkpointText(parts: CheckpointParts, rows: string): string {
  const ctes = [
    `c AS (
  SELECT * FROM ${rows} AS c(id uuid, expected int, require_lease text,
    ${RUN_COLUMNS}, token bigint, ${SCHEDULING_COLUMNS}, new_requests json, answers json,
    close_open boolean)
)`,
    `run AS (
  UPDATE holdpoint.runs AS r SET
    status = c.status, node = c.node, visit = c.visit, position = c.position, state = c.state,
    outputs = c.outputs, output = c.output -> 0, error = c.error, row_version = r.row_version + 1,
    event_seq = r.event_seq + c.event_count, updated_at = c.at,
    write_token = c.token, lease_owner = c.lease_owner, lease_until = ${LEASE_UNTIL},
    wake_at = ${WAKE_AT}
  FROM c
  -- The array gives the planner the ids to look up by primary key; a join alone is planned
  -- for the function's guess of 100 rows and scans the whole table on all but large ones.
  WHERE r.id = ANY(ARRAY(SELECT c.id FROM c)) AND r.id = c.id AND r.row_version = c.expected
    AND (c.require_lease IS NULL OR r.lease_owner IS NULL OR r.lease_owner = c.require_lease
      OR r.lease_until < now())
  RETURNING r.id, r.event_seq, r.followed_until > now() AS followed
)`,
  ]
  if (parts.history) ctes.push(APPEND_HISTORY)
  if (parts.requests) {
    ctes.push(
      `new_requests AS (
  -- Event offsets count from the first event of this checkpoint (see splitEvents).
  SELECT run.id AS run_id, run.event_seq - c.event_count AS seq_base, q.*
  FROM run JOIN c USING (id), json_to_recordset(c.new_requests) AS q(${NEW_REQUEST_COLUMNS})
)`,
      INSERT_SCHEMAS,
      `requests AS (
  INSERT INTO holdpoint.requests (run_id, node, visit, request_id, seq, spec, schema_id, status,
    expires_at, created_at, requested_seq, waiting_seq, waiting_ids)
  SELECT run_id, node, visit, request_id, seq, spec, schema_id, 'open', expires_at, created_at,
    seq_base + requested_offset, seq_base + waiting_offset, waiting_ids
  FROM new_requests
)`,
    )
  }
  if (parts.answers) {
    ctes.push(`answered AS (
  UPDATE holdpoint.requests AS q
  SET status = a.status, answer = a.answer, answered_at = c.at,
    answer_seq = run.event_seq - c.event_count + a.answer_offset, answered_by = a.answered_by
  FROM run JOIN c USING (id),
    json_to_recordset(c.answers) AS a(node text, visit int, request_id text, status text,
      answer json, answer_offset int, answered_by text)
  WHERE q.run_id = run.id AND q.node = a.node AND q.visit = a.visit
    AND q.request_id = a.request_id AND NOT c.close_open
)`)
  }
  if (parts.closes) {
    ctes.push(`closed AS (
  UPDATE holdpoint.requests AS q SET status = 'closed'
  FROM run JOIN c USING (id)
  WHERE c.close_open AND q.run_id = run.id AND q.status = 'open'
)`)
  }
  return `WITH ${ctes.join(', ')}
SELECT run.id,
  CASE WHEN c.notify THEN pg_notify('${WAKE_CHANNEL}', '') END AS woke,
  CASE WHEN run.followed AND c.event_count > 0
    THEN pg_notify('${EVENTS_CHANNEL}', run.id::text) END AS told
FROM run JOIN c USING (id)`
}

/** A checkpoint as one row of a checkpoint statement, with the parts it needs. */
export interface CheckpointItem extends BatchItem {
  parts: CheckpointParts
}

export function checkpointItem(cp: Checkpoint): CheckpointItem {
  const { run } = cp
  const split = splitEvents(cp)
  return {
    key: cp.runId.toLowerCase(),
    parts: {
      history: split.stored.length > 0,
      requests: cp.newRequests.length > 0,
      // Closing takes the place of answering (see the `answered` CTE).
      answers: cp.answers.length > 0 && !cp.closeOpenRequests,
      closes: cp.closeOpenRequests,
    },
    json: JSON.stringify({
      id: cp.runId,
      expected: cp.expectedVersion,
      require_lease: cp.requireLease ?? null,
      ...runFields(run, cp.events, split.stored),
      token: cp.token,
      ...schedulingFields(cp.scheduling),
      new_requests:
        cp.newRequests.length > 0
          ? cp.newRequests.map((q) => ({
              ...requestRow(q),
              ...split.requested.get(requestKey(q)),
            }))
          : null,
      answers:
        cp.answers.length > 0
          ? cp.answers.map((a) => ({ ...answerRow(a), ...split.answered.get(requestKey(a)) }))
          : null,
      close_open: cp.closeOpenRequests,
    }),
  }
}

/**
 * Writes a batch of checkpoints, with the statement that has every part one of them needs; for
 * each, whether it was written.
 */
export function writeCheckpoints(
  execute: ExecuteStatement,
  items: readonly CheckpointItem[],
): Promise<boolean[]> {
  const needed = (part: keyof CheckpointParts) => items.some((item) => item.parts[part])
  const parts = {
    history: needed('history'),
    requests: needed('requests'),
    answers: needed('answers'),
    closes: needed('closes'),
  }
  return writeBatch(execute, checkpointStatement(parts), items)
}
