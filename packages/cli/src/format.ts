const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const

/** The text styles the CLI uses. */
export type Style = keyof typeof codes

/** Text styling for one stream: ANSI codes on a terminal (unless `NO_COLOR` is set), plain otherwise. */
export type Stylist = (style: Style, text: string) => string

/**
 * A stylist for `stream`.
 *
 * @example
 * ```ts
 * const s = stylist(process.stdout)
 * console.log(s('bold', 'run completed'))
 * ```
 */
export function stylist(stream: { isTTY?: boolean }): Stylist {
  const enabled = stream.isTTY === true && !process.env.NO_COLOR
  return (style, text) =>
    enabled ? `\u001b[${codes[style][0]}m${text}\u001b[${codes[style][1]}m` : text
}

/** The visible width of a string, ignoring ANSI codes. */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[\d+m/g, '').length
}

/**
 * Lays rows out in columns, two spaces apart, without trailing spaces.
 *
 * @example
 * ```ts
 * table([['RUN', 'STATUS'], ['0193…', 'completed']]) // 'RUN    STATUS\n0193…  completed'
 * ```
 */
export function table(
  rows: readonly (readonly string[])[],
  options: { align?: readonly ('left' | 'right')[] } = {},
): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))))
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - width(cell))
          if (options.align?.[i] === 'right') return pad + cell
          return i === row.length - 1 ? cell : cell + pad
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/**
 * Pretty JSON, every line indented by `indent` spaces.
 *
 * @example
 * ```ts
 * json({ approved: true }, 2) // '  {\n    "approved": true\n  }'
 * ```
 */
export function json(value: unknown, indent = 0): string {
  return indented(JSON.stringify(value, null, 2) ?? 'undefined', indent)
}

/**
 * Indents every line of `text`.
 *
 * @example
 * ```ts
 * indented('a\nb', 2) // '  a\n  b'
 * ```
 */
export function indented(text: string, indent: number): string {
  const pad = ' '.repeat(indent)
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n')
}

/**
 * How long ago `date` was, briefly.
 *
 * @example
 * ```ts
 * age(new Date(Date.now() - 90_000)) // '1m ago'
 * ```
 */
export function age(date: Date, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000))
  if (seconds < 60) return `${seconds}s ago`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ago`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h ago`
  return `${Math.floor(hours / 24)}d ago`
}

/**
 * A date as `YYYY-MM-DD HH:MM:SS` in UTC.
 *
 * @example
 * ```ts
 * timestamp(new Date('2025-01-02T03:04:05.678Z')) // '2025-01-02 03:04:05'
 * ```
 */
export function timestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}

/**
 * Writes lines to stdout.
 *
 * @example
 * ```ts
 * print('run completed', '')
 * ```
 */
export function print(...lines: string[]): void {
  process.stdout.write(lines.map((line) => `${line}\n`).join(''))
}
