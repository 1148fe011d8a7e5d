/** Exponential backoff with full jitter: attempt 1 waits up to base, then 2x, 4x … capped. */
export function backoffDelay(attempt: number, options: { retryBaseMs: number; retryMaxDelayMs: number }): number {
  const ceiling = Math.min(options.retryMaxDelayMs, options.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
