import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JsonValue } from 'holdpoint'

/** A run `hp.start` acknowledged. */
export interface StartedEntry {
  kind: 'started'
  /** The run's sequence number in the workload. */
  n: number
  runId: string
  pid: number
  at: string
}

/** A `hp.start` that failed; the run may exist all the same (an ambiguous commit). */
export interface StartFailedEntry {
  kind: 'start-failed'
  outcome: string
  pid: number
  at: string
}

/**
 * One delivery attempt. `intent` is written before the call and `outcome` after it, so a
 * delivery cut short by a crash still shows up as possibly applied.
 */
export interface DeliveryEntry {
  kind: 'delivery'
  phase: 'intent' | 'outcome'
  /** Unique per attempt; pairs the intent with its outcome. */
  attemptId: string
  runId: string
  requestId: string
  visit: number
  answer: JsonValue
  /** `ok`, or the error code (`STORE_UNAVAILABLE`, `ALREADY_ANSWERED`, …); absent on an intent. */
  outcome?: string
  deliverer: number
  pid: number
  at: string
}

/** Something a deliverer saw that can only be a bug, such as an acknowledged answer still open. */
export interface AnomalyEntry {
  kind: 'anomaly'
  runId: string
  requestId: string
  visit: number
  message: string
  pid: number
  at: string
}

/** One line of a ledger file. */
export type LedgerEntry = StartedEntry | StartFailedEntry | DeliveryEntry | AnomalyEntry

/** Distributes `Omit` over the union, so each entry keeps its own fields. */
type WithoutStamp<T> = T extends LedgerEntry ? Omit<T, 'pid' | 'at'> : never

/**
 * An append-only JSONL file owned by one process. Each line is written with one synchronous
 * append, so a SIGKILL leaves at most a torn last line, and what a line says happened was
 * recorded before the process went on.
 */
export class Ledger {
  readonly path: string

  constructor(path: string) {
    this.path = path
  }

  /** Appends one entry, stamped with this process and the time. */
  append(entry: WithoutStamp<LedgerEntry>): void {
    const line = JSON.stringify({ ...entry, pid: process.pid, at: new Date().toISOString() })
    appendFileSync(this.path, `${line}\n`)
  }
}

/** Reads one ledger file, skipping a torn last line; a file not written yet is empty. */
export function readLedger(path: string): LedgerEntry[] {
  const entries: LedgerEntry[] = []
  if (!existsSync(path)) return entries
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      entries.push(JSON.parse(line) as LedgerEntry)
    } catch {
      // A process killed mid-append; everything before it is intact.
    }
  }
  return entries
}

/** Reads every `*.jsonl` ledger in a directory. */
export function readLedgers(dir: string): LedgerEntry[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .flatMap((name) => readLedger(join(dir, name)))
}
