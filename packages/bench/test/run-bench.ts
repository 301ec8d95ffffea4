import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { inject } from 'vitest'
import { reportLines } from '../src/report.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'))

/**
 * Runs the benchmark against the test server and returns its report lines: on the engine's
 * sources, or with `compiled` on its compiled package, as `pnpm bench` does (built first).
 */
export async function runBench(
  args: readonly string[],
  { compiled = false } = {},
): Promise<Array<Record<string, unknown>>> {
  if (compiled) {
    await promisify(execFile)(
      process.execPath,
      [tsc, '-p', 'packages/engine/tsconfig.build.json'],
      {
        cwd: root,
      },
    )
  }
  const conditions = compiled ? [] : ['--conditions=@holdpoint/source']
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...conditions, '--import', 'tsx', main, ...args],
    { cwd: root, env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') } },
  )
  return reportLines(stdout)
}
