/**
 * Fewer bytes for what every checkpoint writes.
 *
 * A request's JSON Schema moves to `holdpoint.schemas`, stored once under an id derived from its
 * text: every run that asks the same question shares one row, where each request kept a copy
 * (an approval request's row: 336 → 180 bytes; forms with many fields gain far more). Pruning
 * deletes the schemas no request names any more (found through `requests_schema_idx`): a schema
 * built from a run's data (`z.enum(state.candidates)`) goes with the run.
 *
 * The history events that only restate a request's life are kept by the request's row instead
 * of a history row of their own: `requested_seq` numbers its `input_requested`, `waiting_seq` and
 * `waiting_ids` the `run_waiting` that followed it (on the last request of a pause),
 * `answer_seq` and `answered_by` its `input_received`. Readers of history merge them back in
 * by sequence number. A pause and an answer then write no history row (an approval run: 6 → 4
 * rows). Events stored before keep their history rows; those columns stay empty for them.
 *
 * A run's position, state, outputs, input, output and error, a request's spec and answer and a
 * step's result become `json`, the text as written, instead of `jsonb`. Holdpoint never looks
 * inside them in SQL: it writes each whole and reads it whole. Every checkpoint writes a new
 * version of the run's row, and jsonb's binary form of these small objects is about a third
 * larger than their compact text (measured: an approval run's row 494 → 400 bytes, 1.46 → 1.31 KB
 * per run with its dead versions and index entries).
 *
 * With rows that much smaller, `runs` keeps 40% of each page free instead of 30%: more of a
 * batch's new row versions land beside the old ones (measured with 70, 60 and 50: 1,229, 1,196
 * and 1,245 bytes of `runs` per approval run).
 *
 * The index that lists runs by status keys on (status, created_at) instead of (status,
 * created_at, id). Every checkpoint that is not a HOT update adds an entry for the row's new
 * version; without the id, the versions of one run with one status share their key, and B-tree
 * deduplication keeps them as one entry (measured: `runs` 1,196 → 967 bytes per approval run).
 * Lists still read it in (created_at, id) order, sorting only the runs created in the same
 * instant, and page from a (created_at, id) cursor with `created_at` as the index bound.
 *
 * History rows are found through a non-unique index on the run and the block of 64 sequence
 * numbers a row ends in. B-tree deduplication keeps one entry per run and block (a run's rows
 * share them) where the primary key kept one per row, and a reader of a long run's tail still
 * skips the blocks before it (measured: 1.74 → 1.54 KB of history per approval run). Rows stay
 * unique: only the checkpoint that moved the run's row version appends them. With no primary key
 * left, the table logs whole rows for logical replication, so that a publication of it can still
 * replicate the deletes of pruned runs.
 */
export const statements = [
  `CREATE TABLE holdpoint.schemas (
    id uuid PRIMARY KEY,
    schema json NOT NULL
  )`,
  `ALTER TABLE holdpoint.requests
     ADD COLUMN schema_id uuid,
     ADD COLUMN requested_seq int,
     ADD COLUMN waiting_seq int,
     ADD COLUMN waiting_ids json,
     ADD COLUMN answer_seq int,
     ADD COLUMN answered_by text`,
  `UPDATE holdpoint.requests
      SET schema_id = substr(encode(sha256(convert_to((spec->'schema')::text, 'UTF8')), 'hex'), 1, 32)::uuid
    WHERE spec ? 'schema'`,
  `INSERT INTO holdpoint.schemas (id, schema)
   SELECT DISTINCT ON (schema_id) schema_id, (spec->'schema')::json FROM holdpoint.requests
    WHERE schema_id IS NOT NULL ORDER BY schema_id`,
  `UPDATE holdpoint.requests SET spec = spec - 'schema' WHERE schema_id IS NOT NULL`,
  `CREATE INDEX requests_schema_idx ON holdpoint.requests (schema_id) WHERE schema_id IS NOT NULL`,
  `ALTER TABLE holdpoint.runs
     ALTER COLUMN position TYPE json USING position::json,
     ALTER COLUMN state TYPE json USING state::json,
     ALTER COLUMN outputs TYPE json USING outputs::json,
     ALTER COLUMN input TYPE json USING input::json,
     ALTER COLUMN output TYPE json USING output::json,
     ALTER COLUMN error TYPE json USING error::json`,
  `ALTER TABLE holdpoint.requests
     ALTER COLUMN spec TYPE json USING spec::json,
     ALTER COLUMN answer TYPE json USING answer::json`,
  `ALTER TABLE holdpoint.steps ALTER COLUMN result TYPE json USING result::json`,
  `ALTER TABLE holdpoint.runs SET (fillfactor = 60)`,
  `DROP INDEX holdpoint.runs_status_idx`,
  `CREATE INDEX runs_status_idx ON holdpoint.runs (status, created_at)`,
  `CREATE INDEX history_block_idx ON holdpoint.history (run_id, (last_seq / 64))`,
  `ALTER TABLE holdpoint.history DROP CONSTRAINT history_pkey`,
  `ALTER TABLE holdpoint.history REPLICA IDENTITY FULL`,
]
