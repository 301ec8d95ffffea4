import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { inject } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

/** Runs `pnpm bench` from the sources against the test server; returns its report lines. */
export async function runBench(args: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@holdpoint/source', '--import', 'tsx', main, ...args],
    { cwd: root, env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') } },
  )
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}
