/**
 * History as one row per checkpoint instead of one per event: a checkpoint appends its events
 * as one JSON array, numbered up to `last_seq`. Request details and answers are not copied into
 * history; they are joined in from `requests` when history is read.
 *
 * `followers` lists runs someone follows live (`engine.events({ follow: true })`), until when.
 * Checkpoints of those runs, and only those, send `NOTIFY holdpoint_events`: a notifying
 * transaction serializes its commit with every other notifying one, so unwatched runs must not
 * pay for it.
 */
export const statements = [
  `CREATE TABLE holdpoint.history (
    run_id uuid NOT NULL,
    last_seq int NOT NULL,
    at timestamptz NOT NULL,
    events jsonb NOT NULL,
    PRIMARY KEY (run_id, last_seq)
  )`,
  // Earlier events take the shapes of today's: durations and errors renamed.
  `INSERT INTO holdpoint.history (run_id, last_seq, at, events)
   SELECT run_id, seq, at, jsonb_build_array(jsonb_build_array(type,
     CASE WHEN type = 'node_completed' AND data ? 'ms'
          THEN (data - 'ms') || jsonb_build_object('durationMs', data->'ms')
          WHEN type = 'node_failed'
          THEN (data - 'message') || jsonb_build_object('error',
            jsonb_build_object('name', 'Error', 'message', coalesce(data->>'message', '')))
          WHEN type = 'run_failed'
          THEN jsonb_build_object('error', jsonb_build_object('name', 'Error',
            'message', 'The run failed.') || (data - 'message'))
          ELSE data END))
   FROM holdpoint.events`,
  `DROP TABLE holdpoint.events`,
  `CREATE TABLE holdpoint.followers (
    run_id uuid PRIMARY KEY,
    until timestamptz NOT NULL
  )`,
]
