/** Polling for tests that watch real processes: the first truthy value of `probe`, or a timeout naming `what`. */
export type Until = <T>(what: string, probe: () => T | Promise<T>, timeoutMs?: number) => Promise<NonNullable<T>>;

/** An `until` whose default timeout is `defaultTimeoutMs`; it polls every `intervalMs`. */
export function untilWithin(defaultTimeoutMs: number, intervalMs = 50): Until {
  return async <T>(what: string, probe: () => T | Promise<T>, timeoutMs = defaultTimeoutMs): Promise<NonNullable<T>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  };
}
