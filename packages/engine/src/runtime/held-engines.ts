import type { JsonObject } from '../json.js'
import type { WorkflowEngine } from './workflow-engine.js'

/**
 * The engines of the runs a Holdpoint holds in memory, by run id, least recently used first.
 * Beyond `limit`, the oldest idle ones are dropped; an engine in the middle of a call never is.
 */
export class HeldEngines {
  readonly #engines = new Map<string, WorkflowEngine<JsonObject>>()
  readonly #limit: number

  constructor(limit: number) {
    this.#limit = limit
  }

  /** The engine held for `runId` (any letter case), if any. */
  get(runId: string): WorkflowEngine<JsonObject> | undefined {
    return this.#engines.get(runId.toLowerCase())
  }

  /** Holds `engine` as the most recently used, dropping the oldest idle ones beyond the limit. */
  remember<E extends WorkflowEngine<JsonObject>>(engine: E): E {
    this.touch(engine)
    for (const [runId, old] of this.#engines) {
      if (this.#engines.size <= this.#limit) break
      if (old.busy) continue
      old.dispose()
      this.#engines.delete(runId)
    }
    return engine
  }

  /** Marks a held engine as the most recently used. */
  touch(engine: WorkflowEngine<JsonObject>): void {
    this.#engines.delete(engine.runId)
    this.#engines.set(engine.runId, engine)
  }

  /** Stops holding the run (it finished: no node of it will run here again). */
  forget(runId: string): void {
    this.#engines.delete(runId)
  }

  /** Drops every engine's in-memory progress and holds none. */
  clear(): void {
    for (const engine of this.#engines.values()) engine.dispose()
    this.#engines.clear()
  }
}
