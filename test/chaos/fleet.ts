import { spawnScript, type Child } from '../fixtures/child.js'
import { groupBy } from './verify-index.js'

/** One long-lived role of the fleet (a worker slot, a deliverer, the starter) and its process. */
export interface Member {
  readonly role: string
  /** The current process; replaced when the previous one was killed or crashed. */
  child: Child
  /** The last `ready` line of the current process. */
  ready: Promise<Record<string, unknown> | undefined>
  readonly script: string
  readonly args: readonly string[]
  /** Set before this suite kills or stops the process, so that its exit is not a surprise. */
  expectedExit: boolean
  /** The role is done for good (stopped, or the starter finished). */
  retired: boolean
}

/**
 * The child processes of a chaos run. Workers get SIGKILLed and replaced on purpose; any process
 * that exits without being told to is reported as a crash (under faults, a process using
 * Holdpoint must survive, not die) and replaced, so that one crash does not hide the rest of the
 * verdict. It remembers every worker's lease owner id, for the verifier.
 */
export class Fleet {
  /** Lease owner ids of every worker that announced itself. */
  readonly owners = new Set<string>()
  /** Processes that exited on their own. */
  readonly crashes: Crash[] = []
  kills = 0
  readonly #workers: Member[] = []
  readonly #others: Member[] = []

  /** Starts a worker slot; resolves once its process claims. */
  async addWorker(args: readonly string[]): Promise<Member> {
    const member = this.#start({
      role: `worker ${this.#workers.length}`,
      script: 'test/chaos/worker-process.ts',
      args,
    })
    this.#workers.push(member)
    await member.ready
    return member
  }

  /** Starts another role (deliverer, starter); resolves once its process is ready. */
  async add(role: string, script: string, args: readonly string[]): Promise<Member> {
    const member = this.#start({ role, script, args })
    this.#others.push(member)
    await member.ready
    return member
  }

  /** SIGKILLs a random worker and starts its replacement (without waiting for it to be ready). */
  async killRandomWorker(random: () => number): Promise<void> {
    const member = this.#workers[Math.floor(random() * this.#workers.length)]
    if (!member || member.retired || !alive(member.child)) return
    member.expectedExit = true
    member.child.process.kill('SIGKILL')
    await member.child.exited
    this.kills++
    this.#respawn(member)
  }

  /**
   * Stops a role cleanly (SIGTERM, then SIGKILL after `graceMs`); resolves with its last JSON
   * line of `event` (its final statistics), if it printed one.
   */
  async stop(
    member: Member,
    event = 'stopped',
    graceMs = 15_000,
  ): Promise<Record<string, unknown> | undefined> {
    member.retired = true
    const { child } = member
    if (!alive(child)) return undefined
    const last = child.next<Record<string, unknown>>(event).catch(() => undefined)
    member.expectedExit = true
    child.process.kill('SIGTERM')
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs)
    await child.exited
    clearTimeout(timer)
    return last
  }

  /** Stops every worker cleanly; resolves with their final statistics. */
  async stopWorkers(): Promise<Array<Record<string, unknown> | undefined>> {
    return Promise.all(this.#workers.map((m) => this.stop(m)))
  }

  /** Last resort on the way out: SIGKILL everything still alive. */
  killAll(): void {
    for (const m of [...this.#workers, ...this.#others]) {
      m.retired = true
      if (alive(m.child)) {
        m.expectedExit = true
        m.child.process.kill('SIGKILL')
      }
    }
  }

  #start(spec: { role: string; script: string; args: readonly string[] }): Member {
    const member = { ...spec, expectedExit: false, retired: false } as Member
    this.#launch(member)
    return member
  }

  #launch(member: Member): void {
    const child = spawnScript(member.script, [...member.args])
    member.child = child
    member.expectedExit = false
    member.ready = child.next<Record<string, unknown>>('ready').then(
      (ready) => {
        if (typeof ready.owner === 'string') this.owners.add(ready.owner)
        return ready
      },
      () => undefined,
    )
    void child.exited.then((code) => {
      if (member.child !== child || member.expectedExit) return
      if (code === 0 && member.retired) return
      if (code === 0 && member.role === 'starter') {
        member.retired = true // it exits when every run is started
        return
      }
      this.crashes.push({
        role: member.role,
        pid: child.process.pid ?? 0,
        code,
        error: firstError(child.stderr()),
      })
      if (!member.retired) this.#respawn(member)
    })
  }

  #respawn(member: Member): void {
    if (!member.retired) this.#launch(member)
  }
}

function alive(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null
}

/** A process of the fleet that exited without being told to. */
export interface Crash {
  role: string
  pid: number
  code: number | NodeJS.Signals | null
  /** The error it died of, as its stderr names it (message, and what emitted it). */
  error: string
}

/** Crashes grouped by the error they died of, one line each. */
export function describeCrashes(crashes: readonly Crash[]): string[] {
  const groups = groupBy(crashes, (c) => c.error)
  return [...groups].map(
    ([error, list]) =>
      `${list.length} process(es) exited on their own (${[...new Set(list.map((c) => c.role))].join(', ')}; ` +
      `pids ${list
        .slice(0, 8)
        .map((c) => c.pid)
        .join(' ')}${list.length > 8 ? ' …' : ''}): ${error}`,
  )
}

/** The lines of a Node.js crash report that say what happened, without the stack. */
function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim())
  const message =
    lines.find((line) => /^(\w*Error\b|error:)/.test(line)) ?? lines.find(Boolean) ?? ''
  const emitter = lines.find((line) => line.startsWith('Emitted ')) ?? ''
  const code = lines.find((line) => line.startsWith("code: '")) ?? ''
  return [message, code, emitter].filter(Boolean).join(' | ')
}
