import { pairOrder, type Build } from './compare-summary.js'
import { median, round } from './stats.js'

/** The two builds of a side-by-side comparison, as `bench:compare` names them. */
export type Side = Build

/** The operations timed: a start run to its pause, and a same-process resume. */
export const FIGURES = ['start', 'resume'] as const
export type Figure = (typeof FIGURES)[number]

/** Milliseconds per operation, in the order done: the whole, and the engine's part of it. */
export interface Samples {
  whole: number[]
  engine: number[]
}

/** What one side-by-side process measured, per build and operation. */
export type SideBySideSamples = Record<Side, Record<Figure, Samples>>

/** One build's samples before the first operation. */
export function noSamples(): Record<Figure, Samples> {
  return { start: { whole: [], engine: [] }, resume: { whole: [], engine: [] } }
}

/**
 * Which build does the i-th operation (from 0) first: the order `bench:compare` gives its pairs
 * (`pairOrder`), so that each goes first as often, and after the other as often.
 */
export function turnOrder(i: number): [Side, Side] {
  return pairOrder(i + 1)
}

/** One figure of one process: each build's median, and the median of the paired ratios. */
export interface ProcessFigure {
  this: number
  against: number
  ratio: number
}

/**
 * A process's medians. The ratio pairs the i-th operation of one build with the i-th of the
 * other, done moments apart, so that the machine's drift cancels out of it.
 */
export function processFigures(
  samples: SideBySideSamples,
): Record<Figure, Record<keyof Samples, ProcessFigure>> {
  const figure = (f: Figure, part: keyof Samples): ProcessFigure => {
    const mine = samples.this[f][part]
    const theirs = samples.against[f][part]
    const ratios = mine.flatMap((v, i) => {
      const other = theirs[i]
      return other === undefined || other <= 0 ? [] : [v / other]
    })
    const at = (value: number, digits: number) => round(value, digits) ?? Number.NaN
    return {
      this: at(median(mine), 4),
      against: at(median(theirs), 4),
      ratio: at(median(ratios), 4),
    }
  }
  const out = {} as Record<Figure, Record<keyof Samples, ProcessFigure>>
  for (const f of FIGURES) out[f] = { engine: figure(f, 'engine'), whole: figure(f, 'whole') }
  return out
}

/**
 * The Markdown table over every process: per figure, the median of the processes' medians for
 * each build, the median of their paired ratios, and in how many processes `this` was lower.
 */
export function sideBySideTable(
  processes: ReadonlyArray<Record<Figure, Record<keyof Samples, ProcessFigure>>>,
): string {
  const rows = [
    '| operation | time | this, ms | against, ms | this ÷ against, median of paired operations | processes where this is lower |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ]
  for (const f of FIGURES) {
    for (const part of ['engine', 'whole'] as const) {
      const figures = processes.map((p) => p[f][part])
      const lower = figures.filter((x) => x.ratio < 1).length
      rows.push(
        `| ${f} | ${part} | ${median(figures.map((x) => x.this)).toFixed(3)} | ${median(
          figures.map((x) => x.against),
        ).toFixed(3)} | ${median(figures.map((x) => x.ratio)).toFixed(3)} | ${lower} of ${
          figures.length
        } |`,
      )
    }
  }
  return rows.join('\n')
}
