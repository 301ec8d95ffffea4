-- Phase L: one same-process resume, delivered → durably completed. Holdpoint commits three
-- checkpoints in sequence, each one statement on its own (a writable CTE, no BEGIN/COMMIT), so
-- each here is one round trip and one commit. Documents are about the size Holdpoint writes.
-- The ceiling runs this script with `-M prepared`, where pgbench takes every `:name` for a
-- variable, so a JSON `true`, `false` or `null` follows its colon after a space.
\set id random(1, 200000)
-- 1. The answer: the run takes it, and its request row is answered.
WITH run AS (
  UPDATE runs SET status = 'running', version = version + 1,
    snapshot = '{"workflow":"approval","version":1,"node":"review","visit":1,"position":{"value":"review","visits":{"draft":1,"review":1}},"state":{"draft":"Draft for topic-1","approved": false,"note":""},"outputs":{},"input":{"topic":"topic-1"},"answers":{"approve":{"approved": true,"note":"ok"}},"event_seq":7,"lease_owner":"vm:14258:6b1914","updated_at":"2026-11-21T19:19:26.918Z"}'
  WHERE id = :id RETURNING id
)
UPDATE reqs SET answer = '{"approved": true,"note":"ok"}'
WHERE run_id = (SELECT id FROM run) AND key = 'approve';
-- 2. `review` completes: the run moves on to `publish`, and a history row records it.
WITH run AS (
  UPDATE runs SET version = version + 1,
    snapshot = '{"workflow":"approval","version":1,"node":"publish","visit":1,"position":{"value":"publish","visits":{"draft":1,"review":1,"publish":1}},"state":{"draft":"Draft for topic-1","approved": true,"note":"ok"},"outputs":{},"input":{"topic":"topic-1"},"event_seq":9,"lease_owner":"vm:14258:6b1914","updated_at":"2026-11-21T19:19:26.925Z"}'
  WHERE id = :id RETURNING id
)
INSERT INTO history (run_id, seq, events)
SELECT id, 9, '[["node_completed",{"node":"review","visit":1,"durationMs":35,"owner":"vm:14258:6b1914","state":{"draft":"Draft for topic-1","approved": true,"note":"ok"}}],["node_started",{"node":"publish","visit":1}]]'
FROM run;
-- 3. The run completes with its output, and a history row records it.
WITH run AS (
  UPDATE runs SET status = 'completed', version = version + 1,
    output = '{"status":"approved","draft":"Draft for topic-1","note":"ok"}',
    snapshot = '{"workflow":"approval","version":1,"node": null,"visit":1,"position":{"value":"__completed","visits":{"draft":1,"review":1,"publish":1}},"state":{"draft":"Draft for topic-1","approved": true,"note":"ok"},"outputs":{},"input":{"topic":"topic-1"},"event_seq":11,"lease_owner": null,"updated_at":"2026-11-21T19:19:26.928Z"}'
  WHERE id = :id RETURNING id
)
INSERT INTO history (run_id, seq, events)
SELECT id, 11, '[["node_completed",{"node":"publish","visit":1,"durationMs":0,"owner":"vm:14258:6b1914","output":{"status":"approved","draft":"Draft for topic-1","note":"ok"}}],["run_completed",{}]]'
FROM run;
