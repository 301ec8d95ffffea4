import { parseArgs, type ParseArgsConfig } from 'node:util'
import { print } from './format.js'

/** A command line the CLI cannot make sense of; printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/** What `parseCommand` returns: option values typed from `O`, and the positionals. */
export type ParsedCommand<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>

/**
 * Parses a command's arguments with `util.parseArgs` (strict, positionals allowed), turning its
 * errors into a `UsageError` that carries the command's usage.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' } }, usage)
 * ```
 */
export function parseCommand<const O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
): ParsedCommand<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usage)
  }
}

/**
 * Answers `--help`: prints the command's usage on stdout and returns the exit code, 0.
 *
 * @example
 * ```ts
 * if (values.help) return printHelp(usage)
 * ```
 */
export function printHelp(usage: string): number {
  print(usage)
  return 0
}
