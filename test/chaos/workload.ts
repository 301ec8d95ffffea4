import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { z } from 'zod'
import { defineWorkflow } from 'holdpoint'

/** The input of a chaos run. */
export const chaosInput = z.object({
  /** Sequence number of the run, for humans reading a report. */
  n: z.number().int(),
  /** Deadline of the `confirm` request. */
  confirmTimeoutMs: z.number().int().positive(),
  /** Durable sleep before shipping. */
  sleepMs: z.number().int().positive(),
})

/** What a chaos run's input looks like. */
export type ChaosInput = z.infer<typeof chaosInput>

/** The answer to `review`; `revise` loops back (at most twice). */
export const reviewAnswer = z.object({ decision: z.enum(['approve', 'revise']), note: z.string() })

/** The answer to `confirm`; when nobody answers in time, the default `{ ok: true, by: 'timeout' }`. */
export const confirmAnswer = z.object({ ok: z.boolean(), by: z.string() })

/** How often `review` may be visited: the first ask and two more on `revise`. */
export const maxReviewRounds = 3

/** The default `confirm` resumes with when its deadline passes. */
export const confirmDefault = { ok: true, by: 'timeout' }

/** The effect keys a completed run must have executed, by node. */
export const effectKeys = {
  prepare: 'reserve',
  review: 'notify',
  revise: 'rework',
  cooldown: 'ship',
}

/** Where effects are recorded: a table the test owns, written over a direct connection. */
export const effectsDdl = `
  CREATE SCHEMA IF NOT EXISTS chaos;
  CREATE TABLE IF NOT EXISTS chaos.effects (
    id uuid PRIMARY KEY,
    run_id uuid NOT NULL,
    node text NOT NULL,
    visit int NOT NULL,
    key text NOT NULL,
    pid int NOT NULL,
    role text NOT NULL,
    at timestamptz NOT NULL,
    -- Whether the step's result was already committed when this execution ran: then the engine
    -- had the result and ran the effect again anyway.
    result_committed boolean NOT NULL
  );
  CREATE INDEX IF NOT EXISTS effects_run_idx ON chaos.effects (run_id, node, visit, key);`

/**
 * Records executions of effects in `chaos.effects`. It talks to Postgres directly, not through
 * the fault proxy, so that the record of an effect is as reliable as the effect itself; it
 * retries through database restarts, with the same row id, so a retried insert counts once.
 */
export class EffectRecorder {
  readonly #pool: pg.Pool
  readonly #role: string

  constructor(directUrl: string, role: string) {
    this.#pool = new pg.Pool({ connectionString: directUrl, max: 4 })
    this.#pool.on('error', () => {}) // an idle client died in a restart; the pool replaces it
    this.#role = role
  }

  /** Records one execution of the effect `key` of a node visit; returns a token as its result. */
  async record(runId: string, node: string, visit: number, key: string): Promise<string> {
    const id = randomUUID()
    const deadline = Date.now() + 60_000
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      try {
        await this.#pool.query(
          `INSERT INTO chaos.effects (id, run_id, node, visit, key, pid, role, at, result_committed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), EXISTS (
             SELECT 1 FROM holdpoint.steps s
              WHERE s.run_id = $2 AND s.node = $3 AND s.visit = $4 AND s.key = $5))
           ON CONFLICT (id) DO NOTHING`,
          [id, runId, node, visit, key, process.pid, this.#role],
        )
        return `${key}:${id}`
      } catch (error) {
        if (Date.now() + wait > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}

/**
 * The chaos workflow: an effect, a review loop (`revise` asks again, at most twice), a request
 * with a short deadline and a default, a durable sleep, and a last effect. Every effect is a
 * memoized `ctx.step` whose body records its execution.
 */
export function chaosWorkflow(effects: EffectRecorder) {
  return defineWorkflow({
    id: 'chaos',
    version: 1,
    input: chaosInput,
    state: z.object({
      rounds: z.number().int().default(0),
      reserved: z.string().default(''),
      notes: z.array(z.string()).default([]),
    }),
    start: 'prepare',
    nodes: {
      prepare: async ({ runId, node, state, step }) => {
        state.reserved = await step(effectKeys.prepare, () =>
          effects.record(runId, node.id, node.visit, effectKeys.prepare),
        )
      },
      review: async ({ runId, node, state, step, requestInput }) => {
        await step(effectKeys.review, () =>
          effects.record(runId, node.id, node.visit, effectKeys.review),
        )
        const answer = await requestInput({
          id: 'review',
          prompt: `Round ${node.visit}: approve or revise?`,
          schema: reviewAnswer,
        })
        state.rounds += 1
        state.notes.push(answer.note)
        return answer
      },
      revise: async ({ runId, node, step }) => {
        await step(effectKeys.revise, () =>
          effects.record(runId, node.id, node.visit, effectKeys.revise),
        )
      },
      confirm: async ({ input, requestInput }) =>
        requestInput({
          id: 'confirm',
          prompt: 'Confirm shipping?',
          schema: confirmAnswer,
          timeoutMs: input.confirmTimeoutMs,
          default: confirmDefault,
        }),
      cooldown: async ({ runId, node, input, state, sleep, step }) => {
        await sleep(input.sleepMs)
        const shipped = await step(effectKeys.cooldown, () =>
          effects.record(runId, node.id, node.visit, effectKeys.cooldown),
        )
        return { shipped, rounds: state.rounds, notes: state.notes }
      },
    },
    edges: [
      { from: 'prepare', to: 'review' },
      {
        from: 'review',
        to: 'revise',
        when: ({ output, state }) =>
          output.review.decision === 'revise' && state.rounds < maxReviewRounds,
      },
      { from: 'review', to: 'confirm' },
      { from: 'revise', to: 'review' },
      { from: 'confirm', to: 'cooldown' },
    ],
  })
}
