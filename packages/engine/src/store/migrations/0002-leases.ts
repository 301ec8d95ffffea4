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
]
