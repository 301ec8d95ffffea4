import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../', import.meta.url))

/** Runs the chaos suite (test/chaos/run.ts) as a child process; resolves with its output and exit code. */
function chaos(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@holdpoint/source', '--import', 'tsx', 'test/chaos/run.ts', ...args],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, output }))
  })
}

describe('chaos', () => {
  it('loses, duplicates and strands nothing under kills, cut connections, ambiguous commits and a Postgres crash', async () => {
    const { code, output } = await chaos(['--runs', '300', '--restarts', '1', '--seconds', '60'])
    const lines = output.trim().split('\n')
    const last = lines[lines.length - 1] ?? ''
    const match =
      /^chaos: runs=(\d+) completed=(\d+) lost=(\d+) double_applied=(\d+) stuck=(\d+) effect_reexec=(\d+) kills=(\d+) pg_restarts=(\d+) conn_kills=(\d+) ambiguous=(\d+)$/.exec(
        last,
      )
    // On failure, the suite's own report (violations and how to replay the seed) is the message.
    expect(match, output).not.toBeNull()
    const [runs, completed, lost, doubleApplied, stuck, , kills, pgRestarts] = (match ?? [])
      .slice(1)
      .map(Number)
    expect({ code, lost, doubleApplied, stuck, completed }, output).toEqual({
      code: 0,
      lost: 0,
      doubleApplied: 0,
      stuck: 0,
      completed: runs,
    })
    expect(runs).toBeGreaterThanOrEqual(300)
    expect(pgRestarts).toBeGreaterThanOrEqual(1)
    expect(kills).toBeGreaterThan(0)
  }, 240_000)
})
