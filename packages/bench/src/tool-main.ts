import { pathToFileURL } from 'node:url'

/**
 * Whether the module at `moduleUrl` (its `import.meta.url`) is the script `node` was started
 * with, so that a test can import a tool's functions without running the tool.
 *
 * @example
 * if (isMain(import.meta.url)) runTool(main, (error) => error instanceof UsageError)
 */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href
}

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
