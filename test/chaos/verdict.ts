// The outcome of verification: counters, and violations by kind with a few examples each.

/** Most examples of one kind of violation printed; the count is always exact. */
const examplesPerKind = 20

/** Counters and violations by kind, with a bounded number of examples each. */
export class Verdict {
  lost = 0
  doubleApplied = 0
  stuck = 0
  effectReexec = 0
  readonly notes: string[] = []
  readonly #kinds = new Map<string, { count: number; examples: string[] }>()

  add(kind: string, example: string): void {
    const entry = this.#kinds.get(kind) ?? { count: 0, examples: [] }
    entry.count++
    if (entry.examples.length < examplesPerKind) entry.examples.push(example)
    this.#kinds.set(kind, entry)
  }

  lines(): string[] {
    return [...this.#kinds].flatMap(([kind, { count, examples }]) => [
      ...examples.map((e) => `violation: ${kind}: ${e}`),
      ...(count > examples.length
        ? [`violation: ${kind}: … and ${count - examples.length} more`]
        : []),
    ])
  }
}
