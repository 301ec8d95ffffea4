// The same workflows, defined with whichever defineWorkflow is passed in.
export function wfs(define: (c: never) => unknown) {
  return [
    define({ id: 'deadline', version: 1, start: 'ask', nodes: { ask: async ({ requestInput }: { requestInput: (o: object) => Promise<unknown> }) => requestInput({ id: 'q', timeoutMs: 500, default: 'defaulted' }) } } as never),
    define({ id: 'plain', version: 1, start: 'a', nodes: { a: () => 'done' } } as never),
  ] as never[]
}
