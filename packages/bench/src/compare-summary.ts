import { median } from './stats.js'

/** The two builds a comparison runs: this checkout, and the revision it is compared with. */
export type Build = 'this' | 'against'

/** One report line of `pnpm bench`, with the build and the pair it came from. */
export interface ComparedLine {
  build: Build
  pair: number
  line: Record<string, unknown>
}

/**
 * The order the two builds run in for pair `pair` (from 1): this, against; then against, this;
 * then against, this; then this, against (A B B A A B B A …). Each build runs first as often as
 * second, in each half of every four pairs: a machine that speeds up or slows down over a sitting
 * favours neither, and neither always runs right after the other.
 *
 * @example
 * ```ts
 * [1, 2, 3, 4].map(pairOrder) // [['this','against'], ['against','this'], ['against','this'], ['this','against']]
 * ```
 */
export function pairOrder(pair: number): [Build, Build] {
  return pair % 4 === 1 || pair % 4 === 0 ? ['this', 'against'] : ['against', 'this']
}

/** The figures compared, and whether more is better. */
const FIGURES: ReadonlyArray<[string, 'higher' | 'lower']> = [
  ['runs_per_s', 'higher'],
  ['p50_ms', 'lower'],
  ['client_cpu_ms_per_run', 'lower'],
]

/**
 * A Markdown table, per phase and figure: each build's median over its runs, and the median of
 * the pairs' ratios (this ÷ against), the steadiest measure on a machine whose speed moves.
 */
export function compareTable(lines: readonly ComparedLine[]): string {
  const rows = ['| phase | figure | this | against | this ÷ against, median of pairs | better |']
  rows.push('| --- | --- | ---: | ---: | ---: | --- |')
  const phases = [...new Set(lines.map((l) => String(l.line.phase)))]
  for (const phase of phases) {
    const ofPhase = lines.filter((l) => String(l.line.phase) === phase)
    for (const [figure, better] of FIGURES) {
      const value = (l: ComparedLine) => l.line[figure]
      const of = (build: Build) =>
        ofPhase.filter((l) => l.build === build && typeof value(l) === 'number')
      const [mine, theirs] = [of('this'), of('against')]
      if (mine.length === 0 || theirs.length === 0) continue
      const ratios = mine.flatMap((m) => {
        const t = theirs.find((x) => x.pair === m.pair)
        return t && (value(t) as number) !== 0 ? [(value(m) as number) / (value(t) as number)] : []
      })
      const ratio = median(ratios)
      rows.push(
        `| ${phase} | ${figure} | ${fmt(median(mine.map((l) => value(l) as number)))} | ` +
          `${fmt(median(theirs.map((l) => value(l) as number)))} | ${fmt(ratio, 3)} | ` +
          `${better} is better |`,
      )
    }
  }
  return rows.join('\n')
}

function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—'
}
