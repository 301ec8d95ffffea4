import { StoreUnavailableError } from '../errors.js'

/** How long a call keeps retrying a store that dropped its connection. */
export const STORE_RETRY_MS = 30_000

/**
 * Runs an idempotent store call, retrying with backoff while the store is unavailable (a
 * restart, a killed connection), for up to `budgetMs`. Other errors pass through at once.
 */
export async function retryUnavailable<T>(
  fn: () => Promise<T>,
  budgetMs = STORE_RETRY_MS,
): Promise<T> {
  const deadline = Date.now() + budgetMs
  for (let wait = 50; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await fn()
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || Date.now() + wait > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
}
