/**
 * Where a same-process resume's time goes, piece by piece (phase L's resume, taken apart):
 *
 *   pnpm bench:resume-trace [--n 400] [--cpu-prof-dir DIR]
 *
 * In a fresh Postgres database it starts 2N approval runs, then resumes the last N one at a time
 * with `hp.deliver()` (a Holdpoint holds up to `liveRuns`, 1,000 by default, so up to N = 1,000
 * no resume loads its run), timing each call the store makes to its `pg` pool. A resume splits
 * into the round trips (sent → returned, the driver's work included) and the engine's work
 * before, between and after them. After each traced resume, the very statements it sent are sent
 * again for one of the other N runs, back to back on the same pool: the same round trips with no
 * engine work in between, the floor the engine's statements could reach. It prints a Markdown
 * table of medians and 90th percentiles, and the process's CPU time per resume.
 *
 * With `--cpu-prof-dir DIR`, a CPU profile (sampled every 50 µs) is taken while it resumes and cut
 * into one `.cpuprofile` per piece, holding only the samples taken inside that piece of every
 * resume: `pnpm bench:profile-summary DIR/<piece>.cpuprofile` shows what ran there. The sampling
 * slows every piece down; compare the pieces' shares, not their times, with a run without it.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { QueryConfig } from 'pg'
import pg from 'pg'
import { ANSWER, APPROVE, createBenchHoldpoint, topicOf } from './approval-workflow.js'
import { createTarget, migrateTarget } from './database.js'
import { startCpuProfiler, type CpuProfiler } from './cpu-profiler.js'
import { profileWithin, type TimeWindow } from './profile-windows.js'
import { timePoolCalls, type PoolCall } from './pool-timing.js'
import { percentile } from './stats.js'
import { isMain, runTool } from './tool-main.js'

/**
 * A resume's pieces, in order: engine work before the first call, then each call's round trip
 * and the engine work after it. Calls that began before `start` or settled after `end` belong to
 * another resume and are left out.
 */
export function resumePieces(start: number, end: number, calls: readonly PoolCall[]): number[] {
  const bounds = pieceBounds(start, end, calls)
  return bounds.slice(1).map((bound, k) => bound - (bounds[k] as number))
}

/** Where a resume's pieces begin and end: `start`, each call's sending and return, `end`. */
function pieceBounds(start: number, end: number, calls: readonly PoolCall[]): number[] {
  const inside = calls.filter((c) => c.sent >= start && c.returned <= end)
  return [start, ...inside.flatMap((c) => [c.sent, c.returned]), end]
}

/** The name of piece `i` of a resume with `statements` round trips. */
export function pieceName(i: number, statements: number): string {
  if (i === 2 * statements)
    return statements === 0 ? 'engine: the whole resume' : 'engine: after the last return'
  const n = Math.floor(i / 2) + 1
  if (i % 2 === 1) return `round trip ${n}`
  return i === 0 ? 'engine: before round trip 1' : `engine: between round trips ${n - 1} and ${n}`
}

/** Rows of `| piece | p50 | p90 |` for samples grouped by piece. */
export function traceTable(rows: ReadonlyArray<[string, readonly number[]]>): string {
  const ms = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(3))
  return [
    '| piece | p50 ms | p90 ms |',
    '| --- | ---: | ---: |',
    ...rows.map(
      ([name, xs]) => `| ${name} | ${ms(percentile(xs, 50))} | ${ms(percentile(xs, 90))} |`,
    ),
  ].join('\n')
}

/**
 * The table's rows: each piece of the resumes that made the usual number of round trips (the
 * most common count), the whole resume, then each statement sent again back to back.
 */
export function summarise(
  resumes: readonly number[][],
  replays: readonly number[][],
): Array<[string, number[]]> {
  const counts = new Map<number, number>()
  for (const r of resumes) counts.set(r.length, (counts.get(r.length) ?? 0) + 1)
  const usual = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0
  const kept = resumes.filter((r) => r.length === usual)
  const statements = (usual - 2) / 2
  const rows: Array<[string, number[]]> = []
  for (let k = 0; k < usual - 1; k++)
    rows.push([pieceName(k, statements), kept.map((r) => r[k] as number)])
  rows.push(['whole resume', kept.map((r) => r[usual - 1] as number)])
  for (let k = 0; k < statements; k++) {
    rows.push([`round trip ${k + 1} sent again, back to back`, replays.flatMap((r) => r[k] ?? [])])
  }
  if (kept.length < resumes.length) {
    rows.push([
      `(${resumes.length - kept.length} resumes with another number of round trips left out)`,
      [],
    ])
  }
  return rows
}

/** Adds a resume's pieces, by name, as windows on the profile's clock. */
function addWindows(
  windows: Map<string, TimeWindow[]>,
  start: number,
  end: number,
  calls: readonly PoolCall[],
  clockUs: (ms: number) => number,
): void {
  const bounds = pieceBounds(start, end, calls)
  const statements = (bounds.length - 2) / 2
  for (let k = 0; k + 1 < bounds.length; k++) {
    const name = pieceName(k, statements)
    const list = windows.get(name) ?? []
    list.push({ start: clockUs(bounds[k] as number), end: clockUs(bounds[k + 1] as number) })
    windows.set(name, list)
  }
}

/**
 * A CPU profiler sampling every 50 µs, and the conversion from `performance.now()` to its clock
 * (both count from one monotonic clock, in other units and from other origins).
 */
async function startProfiler(): Promise<CpuProfiler & { clockUs: (ms: number) => number }> {
  const profiler = await startCpuProfiler(50)
  const offsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000
  return { ...profiler, clockUs: (ms) => ms * 1000 + offsetUs }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { n: { type: 'string', default: '400' }, 'cpu-prof-dir': { type: 'string' } },
  })
  const profileDir = values['cpu-prof-dir']
  const n = Number(values.n)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--n must be a positive integer, not ${values.n}`)
  const { target, dispose } = await createTarget('postgres')
  if (target.kind !== 'postgres') throw new Error('resume-trace runs on Postgres')
  await migrateTarget(target)
  const pool = new pg.Pool({ connectionString: target.url, max: 2 })
  pool.on('error', () => {}) // the database is dropped at the end, idle clients with it
  const calls: Array<PoolCall & { config: QueryConfig }> = []
  timePoolCalls(pool, (call) => calls.push(call))
  const { postgresStore } = await import('holdpoint/postgres')
  const hp = createBenchHoldpoint(postgresStore({ pool }), true)
  try {
    await hp.store()
    // The runs to send statements again for first, so that the traced ones are the most recently
    // used: a Holdpoint holds the last 1,000 paused runs, and resumes those without a load.
    const runIds: string[] = []
    for (let i = 0; i < 2 * n; i++) {
      const engine = await hp.start('approval', { topic: topicOf(i) })
      await engine.run()
      runIds.push(engine.runId)
    }
    const [replayedIds, tracedIds] = [runIds.slice(0, n), runIds.slice(n)]
    const resumes: number[][] = []
    const replays: number[][] = []
    const windows = new Map<string, TimeWindow[]>()
    const profiler = profileDir === undefined ? undefined : await startProfiler()
    let cpuMs = 0
    for (let i = 0; i < n; i++) {
      const [traced, replayed] = [tracedIds[i] as string, replayedIds[i] as string]
      calls.length = 0
      const before = process.cpuUsage()
      const start = performance.now()
      await hp.deliver(traced, { [APPROVE]: ANSWER })
      const end = performance.now()
      const used = process.cpuUsage(before)
      cpuMs += (used.user + used.system) / 1000
      resumes.push([...resumePieces(start, end, calls), end - start])
      if (profiler) addWindows(windows, start, end, calls, profiler.clockUs)
      const replay: number[] = []
      for (const call of [...calls]) {
        const values = call.config.values?.map((v: unknown) =>
          typeof v === 'string' ? v.split(traced).join(replayed) : v,
        )
        const sent = performance.now()
        const { rowCount } = await pool.query({ ...call.config, ...(values ? { values } : {}) })
        replay.push(performance.now() - sent)
        if (rowCount !== 1) {
          throw new Error(`Sent again for another run, ${call.config.name} wrote ${rowCount} rows.`)
        }
      }
      replays.push(replay)
    }
    if (profiler && profileDir !== undefined) {
      const profile = await profiler.stop()
      await mkdir(profileDir, { recursive: true })
      for (const [piece, within] of windows) {
        const file = join(profileDir, `${piece.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`)
        await writeFile(file, JSON.stringify(profileWithin(profile, within)))
      }
      process.stdout.write(
        `CPU profiles of the traced resumes' pieces in ${profileDir}: pnpm bench:profile-summary ${profileDir}/<piece>.cpuprofile\n\n`,
      )
    }
    process.stdout.write(`${traceTable(summarise(resumes, replays))}\n\n`)
    process.stdout.write(
      `${n} resumes; the process's CPU time (user + system) per resume: ${(cpuMs / n).toFixed(3)} ms.\n`,
    )
  } finally {
    await hp.close()
    await pool.end().catch(() => {})
    await dispose()
  }
}

if (isMain(import.meta.url)) {
  runTool(main, () => false)
}
