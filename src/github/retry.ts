// Retries for the calls Octokit's retry plugin does not cover (the artifact download client
// builds its own, plain Octokit). Exponential backoff with full jitter, as checkout's
// retry-helper does, so parallel jobs do not retry in lockstep.

export interface RetryOptions {
  attempts?: number
  minDelayMs?: number
  maxDelayMs?: number
  /** Return false for errors that will not go away (404, 403, a bad hash). */
  isRetryable?: (error: unknown) => boolean
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
}

export async function withRetry<T>(action: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 3, minDelayMs = 1000, maxDelayMs = 10_000, isRetryable = () => true } = options
  for (let attempt = 1; ; attempt++) {
    try {
      return await action()
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error
      const delayMs = Math.round(minDelayMs + Math.random() * Math.min(maxDelayMs, minDelayMs * 2 ** attempt))
      options.onRetry?.(error, attempt, delayMs)
      await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
  }
}
