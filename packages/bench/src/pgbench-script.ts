/**
 * A pgbench script read for another client: its SQL statements with each `:name` turned into a
 * numbered parameter, and the random integers pgbench would set those names to.
 */

/** A `\set name random(lo, hi)` line: the variable and its bounds, inclusive. */
export interface RandomVariable {
  name: string
  lo: number
  hi: number
}

/** A statement of the script; its `$k` stands for the variable `uses[k - 1]` names. */
export interface ScriptStatement {
  text: string
  /** Indexes into the script's `variables`, in the order of the statement's parameters. */
  uses: number[]
}

/** The script's statements, in order, and its variables. */
export interface PgbenchScript {
  statements: ScriptStatement[]
  variables: RandomVariable[]
}

const SET_RANDOM = /^\\set\s+([A-Za-z_]\w*)\s+random\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)\s*$/

/**
 * Reads a pgbench script that uses only `\set name random(lo, hi)` among pgbench's commands.
 * Comment lines go; each statement ends with a `;` at the end of a line. A `:name` of a set
 * variable becomes its parameter wherever it stands (as pgbench replaces it), except after
 * another `:` (a `::type` cast). Throws on any other backslash command, which only pgbench can
 * run, and on a `\set` it cannot read.
 */
export function readPgbenchScript(text: string): PgbenchScript {
  const variables: RandomVariable[] = []
  const sql: string[] = []
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (trimmed.startsWith('--')) continue
    if (trimmed.startsWith('\\')) {
      const match = SET_RANDOM.exec(trimmed)
      if (match === null) {
        throw new Error(
          `Only "\\set name random(lo, hi)" can be run outside pgbench; the script has: ${trimmed}`,
        )
      }
      const [, name, lo, hi] = match as unknown as [string, string, string, string]
      if (Number(lo) > Number(hi)) throw new Error(`Empty range in the script: ${trimmed}`)
      variables.push({ name, lo: Number(lo), hi: Number(hi) })
      continue
    }
    sql.push(line)
  }
  const statements = sql
    .join('\n')
    .split(/;[ \t]*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '')
    .map((statement) => withParameters(statement, variables))
  if (statements.length === 0) throw new Error('The script holds no statement')
  return { statements, variables }
}

/**
 * `statement` with each set variable it names replaced by a parameter, numbered from `$1` in the
 * order the script sets them.
 */
function withParameters(statement: string, variables: readonly RandomVariable[]): ScriptStatement {
  const uses: number[] = []
  let text = statement
  variables.forEach((variable, index) => {
    const reference = new RegExp(`(?<!:):${variable.name}\\b`, 'g')
    if (text.search(reference) === -1) return
    uses.push(index)
    const parameter = `$${uses.length}`
    text = text.replace(reference, () => parameter)
  })
  return { text, uses }
}

/** One execution's parameters: a random integer within each variable's bounds, as text. */
export function drawVariables(variables: readonly RandomVariable[]): string[] {
  return variables.map(({ lo, hi }) => String(lo + Math.floor(Math.random() * (hi - lo + 1))))
}
