import type { CpuProfile } from './profile-summary.js'

/** A stretch of time on the profile's clock (microseconds), `start` included, `end` not. */
export interface TimeWindow {
  start: number
  end: number
}

/**
 * The part of a CPU profile that falls inside `windows` (sorted, not overlapping), as a profile of
 * its own: each sample kept lasts as long as it did, cut at its window's end, and the kept samples
 * follow one another, so that `profile-summary` charges each function exactly the time it ran
 * inside the windows.
 */
export function profileWithin(profile: CpuProfile, windows: readonly TimeWindow[]): CpuProfile {
  let at = profile.startTime
  const stamps = profile.timeDeltas.map((delta) => (at += delta))
  const samples: number[] = []
  const durations: number[] = []
  let w = 0
  stamps.forEach((stamp, i) => {
    while (w < windows.length && (windows[w] as TimeWindow).end <= stamp) w++
    const window = windows[w]
    if (!window || stamp < window.start) return
    const next = stamps[i + 1] ?? profile.endTime
    const duration = Math.min(next, window.end) - stamp
    if (duration <= 0) return
    samples.push(profile.samples[i] as number)
    durations.push(duration)
  })
  // Sample i lasts until sample i + 1 is taken: the deltas before each sample are the durations
  // of the ones before it.
  const timeDeltas = durations.map((_, i) => (i === 0 ? 0 : (durations[i - 1] as number)))
  return {
    nodes: profile.nodes,
    startTime: 0,
    endTime: durations.reduce((sum, d) => sum + d, 0),
    samples,
    timeDeltas,
  }
}
