import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/setup/database.js'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** Runs `cli.ts` with piped input (which a terminal would echo; a pipe does not). */
async function runCli(
  databaseUrl: string,
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@holdpoint/source', '--import', 'tsx', 'packages/examples/src/cli.ts', ...args],
    { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl } },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin.end(input)
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}

describe('the examples CLI', () => {
  let database: TestDatabase | undefined
  afterAll(async () => {
    await database?.drop()
  })

  it('runs the code review and the number prompt from a console', async () => {
    database = await createTestDatabase()
    const [review, number] = await Promise.all([
      runCli(database.url, ['code-review'], 'revise\napprove\n'),
      runCli(database.url, ['number-prompt'], 'abc\n 42\n'),
    ])

    expect(review).toMatchObject({ code: 0, stderr: '' })
    expect(review.stdout).toBe(
      [
        'Generated code:',
        'def greet(name):',
        '    return f"Hello, {name}!"',
        '',
        'Review (approve/revise/reject): ',
        'Revised code (v2):',
        'def greet(name: str) -> str:',
        '    return f"Hello, {name}!"',
        '',
        'Review (approve/revise/reject): ',
        'Result: approved, version 2',
        '',
      ].join('\n'),
    )
    expect(number).toMatchObject({ code: 0, stderr: '' })
    expect(number.stdout).toBe(
      'Enter a number: Invalid answer: Invalid input: expected number, received NaN\n' +
        'Enter a number: Result: 42\n',
    )
  })
})
