/**
 * One fresh process of `pnpm bench:side-by-side`: `node … side-by-side-process.ts '<job JSON>'`.
 * It loads two builds of the engine, this checkout's and the worktree's at `job.against`, each
 * with its own Holdpoint and its own pool on the database at `job.url`, and has them do phase
 * L's work in turns: `n` starts (start, run to the pause), then `n` same-process resumes, the
 * i-th of each by both builds one right after the other, in an order that alternates (see
 * `turnOrder`). Each operation is timed whole and as engine time: the whole less the round
 * trips of its build's pool. It prints one JSON line, its `SideBySideSamples`.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type * as holdpoint from 'holdpoint'
import type * as holdpointPostgres from 'holdpoint/postgres'
import type pg from 'pg'
import { ANSWER, APPROVE, approvalWorkflowWith, topicOf } from './approval-workflow.js'
import { timePoolCalls } from './pool-timing.js'
import {
  noSamples,
  turnOrder,
  type Samples,
  type Side,
  type SideBySideSamples,
} from './side-by-side-summary.js'

/** What a side-by-side process is told to do. */
export interface SideBySideJob {
  /** The database both builds use (fresh and migrated). */
  url: string
  /** Runs each build starts and then resumes. */
  n: number
  /** The worktree of the other build (its engine compiled). */
  against: string
}

type Engine = typeof holdpoint
type PostgresEntry = typeof holdpointPostgres

interface Build {
  hp: ReturnType<typeof createBuildHoldpoint>
  pool: pg.Pool
  /** Milliseconds of round trips since the last reset. */
  roundTrips: { ms: number }
}

function createBuildHoldpoint(engine: Engine, postgres: PostgresEntry, pool: pg.Pool) {
  return engine.createHoldpoint({
    workflows: [approvalWorkflowWith(engine.defineWorkflow)],
    store: postgres.postgresStore({ pool }),
  })
}

async function openBuild(
  engine: Engine,
  postgres: PostgresEntry,
  driver: typeof pg,
  url: string,
): Promise<Build> {
  // Each build gets a pool of the `pg` it imports itself, as its users' pools would be.
  const pool = new driver.Pool({ connectionString: url, max: 2 })
  const roundTrips = { ms: 0 }
  timePoolCalls(pool, (call) => (roundTrips.ms += call.returned - call.sent))
  const hp = createBuildHoldpoint(engine, postgres, pool)
  await hp.store()
  return { hp, pool, roundTrips }
}

/** Runs `op` on `build`, adding its whole and engine time to `samples`. */
async function timed<T>(build: Build, samples: Samples, op: () => Promise<T>): Promise<T> {
  build.roundTrips.ms = 0
  const start = performance.now()
  const result = await op()
  const whole = performance.now() - start
  samples.whole.push(whole)
  samples.engine.push(whole - build.roundTrips.ms)
  return result
}

/** A build's engine, its Postgres entry and the `pg` it imports, from its compiled `dist`. */
async function loadBuild(
  dist: string,
): Promise<{ engine: Engine; postgres: PostgresEntry; driver: typeof pg }> {
  return {
    engine: (await import(pathToFileURL(join(dist, 'index.js')).href)) as Engine,
    postgres: (await import(pathToFileURL(join(dist, 'postgres.js')).href)) as PostgresEntry,
    driver: createRequire(join(dist, 'postgres.js'))('pg') as typeof pg,
  }
}

async function main(job: SideBySideJob): Promise<SideBySideSamples> {
  const dists: Record<Side, string> = {
    this: dirname(fileURLToPath(import.meta.resolve('holdpoint'))),
    against: join(job.against, 'packages/engine/dist'),
  }
  const builds: Partial<Record<Side, Build>> = {}
  const samples: SideBySideSamples = { this: noSamples(), against: noSamples() }
  try {
    for (const which of ['this', 'against'] as const) {
      const { engine, postgres, driver } = await loadBuild(dists[which])
      builds[which] = await openBuild(engine, postgres, driver, job.url)
    }
    const opened = builds as Record<Side, Build>
    const runIds = { this: [] as string[], against: [] as string[] }
    for (let i = 0; i < job.n; i++) {
      for (const which of turnOrder(i)) {
        const { hp } = opened[which]
        const runId = await timed(opened[which], samples[which].start, async () => {
          const engine = await hp.start('approval', { topic: topicOf(i) })
          await engine.run()
          return engine.runId
        })
        runIds[which].push(runId)
      }
    }
    for (let i = 0; i < job.n; i++) {
      for (const which of turnOrder(i)) {
        const runId = runIds[which][i] as string
        const state = await timed(opened[which], samples[which].resume, () =>
          opened[which].hp.deliver(runId, { [APPROVE]: ANSWER }),
        )
        if (state.status !== 'completed') {
          throw new Error(`${which}: run ${runId} is ${state.status} after its answer`)
        }
      }
    }
  } finally {
    // Each closed on its own: one that fails to close leaves the other's connections to close.
    await Promise.allSettled(
      Object.values(builds).map(async (build) => {
        await build.hp.close().finally(() => build.pool.end())
      }),
    )
  }
  return samples
}

const job = JSON.parse(process.argv[2] ?? '{}') as SideBySideJob
process.stdout.write(`${JSON.stringify(await main(job))}\n`)
