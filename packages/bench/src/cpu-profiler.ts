import { Session } from 'node:inspector/promises'
import type { CpuProfile } from './profile-summary.js'

/** A V8 CPU profile being taken of this process. */
export interface CpuProfiler {
  /** Stops sampling and returns the profile. */
  stop(): Promise<CpuProfile>
}

/**
 * Starts sampling this process's CPU every `intervalUs` microseconds, through the inspector
 * (the same profile `node --cpu-prof` writes), so that only the work between start and stop is in
 * it.
 *
 * @example
 * ```ts
 * const profiler = await startCpuProfiler(250)
 * await work()
 * await writeFile('work.cpuprofile', JSON.stringify(await profiler.stop()))
 * ```
 */
export async function startCpuProfiler(intervalUs: number): Promise<CpuProfiler> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs })
  await session.post('Profiler.start')
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      return profile as CpuProfile
    },
  }
}
