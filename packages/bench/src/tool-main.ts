/**
 * Runs a command-line tool's `main`. A failure sets exit code 1 and prints, on stderr, the
 * message alone for the errors `isUsageError` recognises (bad input, which the message explains)
 * and the stack for anything else.
 */
export function runTool(
  main: () => Promise<void>,
  isUsageError: (error: unknown) => boolean,
): void {
  main().catch((error: unknown) => {
    const usage = isUsageError(error) && error instanceof Error
    process.stderr.write(
      usage
        ? `${error.message}\n`
        : `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exitCode = 1
  })
}
