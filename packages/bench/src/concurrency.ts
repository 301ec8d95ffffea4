/**
 * Calls `task(i)` for i = 0 … count−1 with at most `limit` calls in flight, and resolves when all
 * are done. Workers pull the next index as soon as they finish one, so the pipeline stays full
 * (unlike batches of `limit`, which wait for the slowest of each batch).
 */
export async function forEachConcurrently(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker))
}
