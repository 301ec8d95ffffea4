import { randomUUID } from 'node:crypto'
import type { JsonValue } from 'holdpoint'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../setup/database.js'
import type { LedgerEntry } from './ledger.js'
import { verify } from './verify.js'
import { effectsDdl } from './workload.js'

const t0 = Date.parse('2024-01-01T00:00:00Z')
const at = (ms: number): Date => new Date(t0 + ms)
const stamp = { pid: 1, at: at(0).toISOString() }

type Event = [type: string, data: Record<string, unknown>, ms?: number]

/** Writes one hand-made run: its row, history, requests, steps and effect executions. */
async function insertRun(
  client: pg.Client,
  run: {
    id: string
    status: string
    events: Event[]
    requests?: Array<
      [
        node: string,
        visit: number,
        requestId: string,
        status: string,
        answer: unknown,
        expiresMs?: number,
      ]
    >
    steps?: Array<[node: string, visit: number, key: string]>
    effects?: Array<[node: string, visit: number, key: string, ms: number, committed: boolean]>
    /** What the run went on with: review notes by round, and confirm's answer. */
    used?: { notes: string[]; confirm: unknown }
  },
): Promise<void> {
  await client.query(
    `INSERT INTO holdpoint.runs (id, workflow, version, status, node, visit, position, state,
       outputs, input, event_seq, created_at, updated_at)
     VALUES ($1, 'chaos', 1, $2, $3, 1, '{}', $7, $8, $4, $5, $6, $6)`,
    [
      run.id,
      run.status,
      run.status === 'completed' ? null : 'review',
      JSON.stringify({ n: 0, confirmTimeoutMs: 500, sleepMs: 100 }),
      run.events.length,
      at(0),
      JSON.stringify({ notes: run.used?.notes ?? [] }),
      JSON.stringify(run.used ? { confirm: run.used.confirm } : {}),
    ],
  )
  for (const [i, [type, data, ms]] of run.events.entries()) {
    await client.query(
      `INSERT INTO holdpoint.history (run_id, last_seq, at, events)
       VALUES ($1, $2, $5, jsonb_build_array(jsonb_build_array($3::text, $4::jsonb)))`,
      [run.id, i + 1, type, JSON.stringify(data), at(ms ?? i)],
    )
  }
  for (const [node, visit, requestId, status, answer, expiresMs] of run.requests ?? []) {
    await client.query(
      `INSERT INTO holdpoint.requests (run_id, node, visit, request_id, seq, spec, status, answer,
         expires_at, created_at)
       VALUES ($1, $2, $3, $4, 1, '{"inputType":"text"}', $5, $6, $7, $8)`,
      [
        run.id,
        node,
        visit,
        requestId,
        status,
        answer === undefined ? null : JSON.stringify(answer),
        expiresMs === undefined ? null : at(expiresMs),
        at(0),
      ],
    )
  }
  for (const [node, visit, key] of run.steps ?? []) {
    await client.query(
      `INSERT INTO holdpoint.steps (run_id, node, visit, key, seq, result) VALUES ($1, $2, $3, $4, 1, '"r"')`,
      [run.id, node, visit, key],
    )
  }
  for (const [node, visit, key, ms, committed] of run.effects ?? []) {
    await client.query(
      `INSERT INTO chaos.effects (id, run_id, node, visit, key, pid, role, at, result_committed)
       VALUES ($1, $2, $3, $4, $5, 1, 'worker-0', $6, $7)`,
      [randomUUID(), run.id, node, visit, key, at(ms), committed],
    )
  }
}

const approve = { decision: 'approve', note: 'fine' }
const person = { ok: true, by: 'person' }

/** A run that did everything right; the first `reserve` crashed before its result was stored. */
function cleanRun(id: string) {
  return {
    id,
    status: 'completed',
    events: [
      ['run_started', {}],
      ['node_completed', { node: 'prepare', visit: 1, owner: 'w1' }],
      ['input_requested', { requestId: 'review', node: 'review', visit: 1 }],
      ['input_received', { requestId: 'review', node: 'review', visit: 1 }],
      ['node_completed', { node: 'review', visit: 1, owner: 'w2' }],
      ['input_requested', { requestId: 'confirm', node: 'confirm', visit: 1 }],
      ['input_expired', { requestId: 'confirm', node: 'confirm', visit: 1 }, 600],
      ['node_completed', { node: 'confirm', visit: 1, owner: 'w1' }, 600],
      ['node_completed', { node: 'cooldown', visit: 1, owner: 'w1' }, 800],
      ['run_completed', {}, 800],
    ] satisfies Event[],
    requests: [
      ['review', 1, 'review', 'answered', approve],
      ['confirm', 1, 'confirm', 'expired', { ok: true, by: 'timeout' }, 550],
    ] as Array<[string, number, string, string, unknown, number?]>,
    steps: [
      ['prepare', 1, 'reserve'],
      ['review', 1, 'notify'],
      ['cooldown', 1, 'ship'],
    ] as Array<[string, number, string]>,
    effects: [
      ['prepare', 1, 'reserve', 1, false],
      ['prepare', 1, 'reserve', 2, false],
      ['review', 1, 'notify', 3, false],
      ['cooldown', 1, 'ship', 750, false],
    ] as Array<[string, number, string, number, boolean]>,
    used: { notes: ['fine'], confirm: { ok: true, by: 'timeout' } },
  }
}

/** One delivery attempt of visit 1, as a deliverer's ledger records it. */
function delivery(
  runId: string,
  requestId: string,
  answer: JsonValue,
  outcome: string,
): LedgerEntry[] {
  const attemptId = randomUUID()
  const base = { kind: 'delivery' as const, attemptId, runId, requestId, visit: 1, answer }
  return [
    { ...base, phase: 'intent', deliverer: 0, ...stamp },
    { ...base, phase: 'outcome', outcome, deliverer: 0, ...stamp },
  ]
}

describe('the chaos verifier', () => {
  let database: TestDatabase
  let client: pg.Client

  beforeAll(async () => {
    database = await createTestDatabase()
    client = new pg.Client({ connectionString: database.url })
    await client.connect()
    await client.query(effectsDdl)
  })
  afterAll(async () => {
    await client?.end()
    await database?.drop()
  })

  it('passes a clean run and counts an effect re-executed before its result was stored', async () => {
    const id = randomUUID()
    await insertRun(client, cleanRun(id))
    const report = await verify({
      directUrl: database.url,
      owners: new Set(['w1', 'w2']),
      ledger: [
        { kind: 'started', n: 0, runId: id, ...stamp },
        ...delivery(id, 'review', approve, 'ok'),
      ],
    })
    expect(report.violations).toEqual([])
    expect(report).toMatchObject({
      runs: 1,
      completed: 1,
      lost: 0,
      doubleApplied: 0,
      stuck: 0,
      effectReexec: 1,
    })
    await client.query(
      'TRUNCATE holdpoint.runs, holdpoint.history, holdpoint.requests, holdpoint.steps, chaos.effects',
    )
  })

  it('finds every planted violation', async () => {
    const clean = randomUUID()
    const stuck = randomUUID()
    const lost = randomUUID()
    const broken = randomUUID()
    await insertRun(client, cleanRun(clean))
    await insertRun(client, {
      id: stuck,
      status: 'waiting_for_input',
      events: [
        ['run_started', {}],
        ['input_requested', { requestId: 'review', node: 'review', visit: 1 }],
      ],
      requests: [['review', 1, 'review', 'open', undefined]],
    })
    await insertRun(client, {
      id: broken,
      status: 'completed',
      events: [
        ['run_started', {}],
        ['node_completed', { node: 'prepare', visit: 1, owner: 'w1' }],
        ['node_completed', { node: 'prepare', visit: 1, owner: 'w2' }],
        ['input_requested', { requestId: 'review', node: 'review', visit: 1 }],
        ['input_received', { requestId: 'review', node: 'review', visit: 1 }],
        ['input_received', { requestId: 'review', node: 'review', visit: 1 }],
        ['node_completed', { node: 'review', visit: 1, owner: 'intruder' }],
        ['input_requested', { requestId: 'confirm', node: 'confirm', visit: 1 }],
        ['input_received', { requestId: 'confirm', node: 'confirm', visit: 1 }],
        ['node_completed', { node: 'confirm', visit: 1, owner: 'w1' }, 100],
        ['node_completed', { node: 'cooldown', visit: 1, owner: 'w1' }, 300],
        ['run_completed', {}, 300],
      ],
      requests: [
        ['review', 1, 'review', 'answered', { decision: 'approve', note: 'forged' }],
        ['confirm', 1, 'confirm', 'answered', person],
      ],
      steps: [
        ['prepare', 1, 'reserve'],
        ['review', 1, 'notify'],
      ],
      effects: [
        ['prepare', 1, 'reserve', 1, false],
        ['review', 1, 'notify', 2, false],
        ['review', 1, 'notify', 5, true],
        ['cooldown', 1, 'ship', 150, false],
      ],
      // It went on with a note nobody stored.
      used: { notes: ['fine'], confirm: person },
    })
    const report = await verify({
      directUrl: database.url,
      owners: new Set(['w1', 'w2']),
      ledger: [
        { kind: 'started', n: 0, runId: clean, ...stamp },
        { kind: 'started', n: 0, runId: stuck, ...stamp },
        { kind: 'started', n: 0, runId: lost, ...stamp },
        { kind: 'started', n: 0, runId: broken, ...stamp },
        ...delivery(clean, 'review', approve, 'ok'),
        ...delivery(broken, 'review', approve, 'ok'),
        ...delivery(broken, 'confirm', person, 'ok'),
        ...delivery(broken, 'confirm', { ok: false, by: 'x' }, 'ERROR:Error: connection reset'),
        {
          kind: 'anomaly',
          runId: stuck,
          requestId: 'review',
          visit: 1,
          message: 'acknowledged, still open',
          ...stamp,
        },
      ],
    })
    const kinds = report.violations.map((v) => v.split(':')[1]?.trim())
    expect(new Set(kinds)).toEqual(
      new Set([
        'lost run',
        'stuck run',
        'node completed twice',
        'completion by unknown owner',
        'request resolved twice',
        'answer nobody delivered',
        'acknowledged answer lost',
        'effect after its result was committed',
        'effect missing',
        'woke early',
        'deliverer anomaly',
        'error without a Holdpoint code',
        'run used an answer that is not the stored one',
      ]),
    )
    expect(report).toMatchObject({
      runs: 4,
      completed: 2,
      lost: 2, // the run, and the acknowledged review answer
      // prepare completed twice, review resolved twice, a forged answer, a run going on without it
      doubleApplied: 4,
      stuck: 1,
      effectReexec: 2,
    })
  })
})
