/** Exponential backoff: the first retry waits about `baseMs`, each further one twice as long, up to `capMs`. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry).
 * Equal jitter: half the exponential step is fixed, half random, so many monitors that lost the same
 * server spread their retries out, yet no retry comes back immediately.
 */
export function backoffDelay(attempt: number, { baseMs, capMs }: BackoffOptions, random: () => number = Math.random): number {
  // The exponent is clamped so a very long outage cannot overflow to Infinity/NaN.
  const step = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(step / 2 + random() * (step / 2));
}
