/**
 * The ceiling's tables: the simplest ones that take the benchmark's writes, with no engine's
 * columns, leases or checks. `prepare` leaves them as phase A would: every run paused.
 */
import pg from 'pg'

/** Rows phases B and L update; `b.sql` and `l.sql` pick ids in 1 … this. */
export const PAUSED_RUNS = 200_000

/** What `runs` holds for a paused run, the same document `a.sql` inserts. */
const SNAPSHOT =
  '{"value":"review","context":{"topic":"topic-1","draft":"Draft for topic-1"},' +
  '"children":{"review":{"status":"active","input":{"x":1}}},"historyValue":{}}'

/** Creates the tables in the empty database at `url` and fills them with paused runs. */
export async function prepareCeilingTables(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`CREATE TABLE runs (
      id bigint PRIMARY KEY,
      status text NOT NULL,
      snapshot jsonb NOT NULL,
      output jsonb,
      version int NOT NULL DEFAULT 1
    )`)
    await client.query(`CREATE TABLE reqs (
      run_id bigint NOT NULL,
      key text NOT NULL,
      answer jsonb,
      PRIMARY KEY (run_id, key)
    )`)
    // Phase L appends to it. Like Holdpoint's history it has no primary key, only an index to
    // find a run's rows by, so each insert maintains one index, as Holdpoint's does.
    await client.query(`CREATE TABLE history (
      run_id bigint NOT NULL,
      seq int NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      events jsonb NOT NULL
    )`)
    await client.query('CREATE INDEX history_run_idx ON history (run_id)')
    // Phases B and L update paused runs, so they must exist: the state phase A leaves behind.
    await client.query(
      `INSERT INTO runs (id, status, snapshot)
       SELECT g, 'waiting', $1::jsonb FROM generate_series(1, ${PAUSED_RUNS}) g`,
      [SNAPSHOT],
    )
    await client.query(
      `INSERT INTO reqs (run_id, key) SELECT g, 'approve' FROM generate_series(1, ${PAUSED_RUNS}) g`,
    )
    await client.query('VACUUM ANALYZE runs')
    await client.query('VACUUM ANALYZE reqs')
  } finally {
    await client.end()
  }
}
