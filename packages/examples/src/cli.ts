/**
 * Runs one example in this terminal, so each original console session can be tried by hand.
 *
 *   node --conditions=@holdpoint/source --import tsx packages/examples/src/cli.ts code-review
 *   pnpm --filter @holdpoint/examples example approval "AI safety"
 *
 * Runs live in Postgres when DATABASE_URL is set, else in an in-memory PGlite. The optional
 * second argument is the topic (or description) the run starts with.
 */
import { createHoldpoint } from 'holdpoint'
import type { Store } from 'holdpoint'
import { approvalWorkflow, approveInTerminal } from './approval.js'
import { codeReviewWorkflow, reviewCodeInTerminal } from './code-review.js'
import { approveDocumentInTerminal, documentApprovalWorkflow } from './document-approval.js'
import { fillFormInTerminal, sequentialFormWorkflow } from './form-fields.js'
import { iterativeReviewWorkflow, reviewInTerminal } from './iterative-review.js'
import { numberPromptWorkflow, promptForNumber } from './number-prompt.js'
import { consoleTerminal } from './terminal.js'

const examples = [
  'number-prompt',
  'approval',
  'iterative-review',
  'document-approval',
  'code-review',
  'form-fields',
] as const
type Example = (typeof examples)[number]

function isExample(name: string | undefined): name is Example {
  return (examples as readonly (string | undefined)[]).includes(name)
}

async function openStore(): Promise<Store> {
  const connectionString = process.env.DATABASE_URL
  if (connectionString) {
    const { postgresStore } = await import('holdpoint/postgres')
    return postgresStore({ connectionString })
  }
  const { pgliteStore } = await import('holdpoint/pglite')
  return pgliteStore({ dataDir: 'memory://' })
}

const [name, subject] = process.argv.slice(2)
if (!isExample(name)) {
  console.error(`Usage: cli.ts <${examples.join('|')}> [topic]`)
  process.exit(2)
}

const hp = createHoldpoint({
  workflows: [
    numberPromptWorkflow,
    approvalWorkflow,
    iterativeReviewWorkflow,
    documentApprovalWorkflow,
    codeReviewWorkflow,
    sequentialFormWorkflow,
  ],
  store: await openStore(),
})
const terminal = consoleTerminal()
try {
  switch (name) {
    case 'number-prompt': {
      const number = await promptForNumber(await hp.start('number-prompt', undefined), terminal)
      terminal.print(`Result: ${number}`)
      break
    }
    case 'approval':
      await approveInTerminal(
        await hp.start('approval', { topic: subject ?? 'AI safety' }),
        terminal,
      )
      break
    case 'iterative-review':
      await reviewInTerminal(
        await hp.start('iterative-review', { topic: subject ?? 'solar power' }),
        terminal,
      )
      break
    case 'document-approval':
      await approveDocumentInTerminal(
        await hp.start('document-approval', { topic: subject ?? 'AI ethics principles' }),
        terminal,
      )
      break
    case 'code-review':
      await reviewCodeInTerminal(
        await hp.start('code-review', {
          description: subject ?? 'a function that greets someone by name',
        }),
        terminal,
      )
      break
    case 'form-fields': {
      const final = await fillFormInTerminal(await hp.start('sequential-form', undefined), terminal)
      terminal.print(`Result: ${JSON.stringify(final.output)}`)
      break
    }
  }
} finally {
  terminal.close()
  await hp.close()
}
