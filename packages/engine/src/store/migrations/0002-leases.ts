/**
 * Leases and wake-ups. A process executing a run holds its lease until `lease_until`; `wake_at`
 * says when a worker should pick the run up: a deadline, a retry, a background start, or the end
 * of a lease whose holder may have died. One partial index serves every claim.
 */
export const statements = [
  `ALTER TABLE holdpoint.runs
     ADD COLUMN lease_owner text,
     ADD COLUMN lease_until timestamptz,
     ADD COLUMN wake_at timestamptz`,
  `CREATE INDEX runs_wake_idx ON holdpoint.runs (wake_at) WHERE wake_at IS NOT NULL`,
  // Runs from before leases: running ones are runnable now; waiting ones wake at their first deadline.
  `UPDATE holdpoint.runs SET wake_at = now() WHERE status = 'running'`,
  `UPDATE holdpoint.runs r SET wake_at = q.first
     FROM (SELECT run_id, min(expires_at) AS first FROM holdpoint.requests
            WHERE status = 'open' AND expires_at IS NOT NULL GROUP BY run_id) q
    WHERE r.id = q.run_id AND r.status = 'waiting_for_input'`,
]
