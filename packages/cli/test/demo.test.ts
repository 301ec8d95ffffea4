import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runCli, type CliResult } from './run-cli.js'

/** The process-1 and process-2 columns of a row of the demo's counts table. */
function counts(result: CliResult, label: string): [number, number, number] {
  const escaped = label.replace(/[()]/g, '\\$&')
  const match = new RegExp(`^\\s+${escaped}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)`, 'm').exec(result.stdout)
  if (!match) throw new Error(`No "${label}" row in:\n${result.stdout}`)
  return [Number(match[1]), Number(match[2]), Number(match[3])]
}

/** The JSON block printed after `output:`. */
function output(result: CliResult): unknown {
  const match = /^ {2}output:\n((?: {4}.*\n)+)/m.exec(result.stdout)
  if (!match?.[1]) throw new Error(`No output in:\n${result.stdout}`)
  return JSON.parse(match[1])
}

describe('holdpoint demo', () => {
  it('pauses in process 1 and resumes in a new process 2, replaying only the waiting node', async () => {
    const result = await runCli(['demo'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const out = result.stdout

    // Process 1 prints the pending request: id, prompt and JSON schema.
    expect(out).toMatch(/pending request\n\s+approve \(node review, visit 1, text\)/)
    expect(out).toContain('Publish this draft?')
    expect(out).toMatch(/"approved": \{\s+"type": "boolean"/)
    expect(out).toContain('process 1 closes its store')

    // Process 2 is another OS process that loads the run by id.
    const first = /process 1 \(pid (\d+)\)/.exec(out)?.[1]
    const second = /process 2 \(pid (\d+)\)/.exec(out)?.[1]
    expect(first).toBeDefined()
    expect(second).toBeDefined()
    expect(second).not.toBe(first)
    const runId = /started run (\S+)/.exec(out)?.[1]
    expect(out).toContain(`loaded run ${runId}: waiting_for_input on "approve"`)
    expect(out).toContain(
      'answer (scripted: stdin is not a terminal): {"approved":true,"note":"ok"}',
    )
    expect(out.indexOf('process 2 (pid')).toBeGreaterThan(out.indexOf('process 1 closes its store'))

    expect(output(result)).toEqual({ status: 'approved', draft: expect.any(String), note: 'ok' })

    expect(counts(result, 'draft')).toEqual([1, 0, 1])
    expect(counts(result, 'review, before the await')).toEqual([1, 1, 2])
    expect(counts(result, 'notify reviewer (ctx.step)')).toEqual([1, 0, 1])
    expect(counts(result, 'review, after the await')).toEqual([0, 1, 1])
    expect(counts(result, 'publish')).toEqual([0, 1, 1])
    expect(out).toContain('returned its stored result; nobody is notified twice')

    // The temporary database is removed afterwards.
    const dataDir = /store {5}PGlite in (\S+)/.exec(out)?.[1]
    expect(dataDir).toBeDefined()
    expect(existsSync(dataDir as string)).toBe(false)
  })

  it('takes a scripted rejection with --answer reject', async () => {
    const result = await runCli(['demo', '--answer', 'reject'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('answer (from --answer): {"approved":false,"note":"not yet"}')
    expect(output(result)).toEqual({
      status: 'rejected',
      draft: expect.any(String),
      note: 'not yet',
    })
    expect(counts(result, 'review, before the await')).toEqual([1, 1, 2])
    expect(counts(result, 'discard')).toEqual([0, 1, 1])
    expect(result.stdout).not.toMatch(/^\s+publish\s+\d/m)
  })

  it('refuses an unknown answer with a usage error', async () => {
    const result = await runCli(['demo', '--answer', 'maybe'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('error: --answer must be approve or reject, got "maybe".')
    expect(result.stderr).toContain('Usage: holdpoint demo')
    expect(result.stdout).toBe('')
  })
})
