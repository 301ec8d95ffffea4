/**
 * Runs, the input ledger, memoized steps and the run history. Every table is keyed by run id
 * first, so all of a run's rows can live on one shard.
 */
export const statements = [
  `CREATE TABLE holdpoint.runs (
    id uuid PRIMARY KEY,
    workflow text NOT NULL,
    version int NOT NULL,
    status text NOT NULL,
    node text,
    visit int NOT NULL,
    position jsonb NOT NULL,
    state jsonb NOT NULL,
    outputs jsonb NOT NULL,
    input jsonb NOT NULL,
    output jsonb,
    error jsonb,
    row_version int NOT NULL DEFAULT 1,
    event_seq int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  )`,
  `CREATE INDEX runs_status_idx ON holdpoint.runs (status, created_at, id)`,
  `CREATE TABLE holdpoint.requests (
    run_id uuid NOT NULL,
    node text NOT NULL,
    visit int NOT NULL,
    request_id text NOT NULL,
    seq int NOT NULL,
    spec jsonb NOT NULL,
    status text NOT NULL,
    answer jsonb,
    answered_at timestamptz,
    expires_at timestamptz,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (run_id, node, visit, request_id)
  )`,
  `CREATE TABLE holdpoint.steps (
    run_id uuid NOT NULL,
    node text NOT NULL,
    visit int NOT NULL,
    key text NOT NULL,
    seq int NOT NULL,
    result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, node, visit, key)
  )`,
  `CREATE TABLE holdpoint.events (
    run_id uuid NOT NULL,
    seq int NOT NULL,
    type text NOT NULL,
    data jsonb NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq)
  )`,
]
