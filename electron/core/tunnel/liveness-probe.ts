import { httpGet } from './http-get.js';
import { TunnelError, errorMessage } from './tunnel-error.js';

/**
 * Performs a health GET and resolves to the HTTP status. The default sends it where the URL says;
 * tests route tunnel URLs to a loopback tunnel server (no DNS for the public names there).
 * Reject with a TunnelError of kind `unreachable` when no connection could be made at all.
 */
export type ProbeGet = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<number>;

/** Outcome of one health check: `alive`, `dead` (evidence it is gone) or `unknown` (could not tell). */
export type ProbeResult = { verdict: 'alive' } | { verdict: 'dead' | 'unknown'; detail: string };

/** The default ProbeGet: a plain GET. */
export const httpProbeGet: ProbeGet = async (url, headers, signal) => (await httpGet(new URL(url), headers, signal)).status;

/** The listener's health URL behind a base URL (a tunnel URL or the local listener). */
export function healthUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/health`;
}

/**
 * GET {baseUrl}/health (`cancel` ends it early, e.g. on stop). Only a 200 proves it alive. Any other
 * answer, or a request that connected but got no answer in time, is evidence it is dead (for a tunnel:
 * the server lost us, or has no socket of ours to pass the request to). Not reaching the server at all
 * says nothing about a tunnel: this machine may be unable to see its own public URL (DNS filter,
 * proxy) while Bitrix24 can, and tearing the tunnel down for that would make it flap forever.
 */
export async function checkHealth(baseUrl: string, get: ProbeGet, timeoutMs: number, cancel: AbortSignal): Promise<ProbeResult> {
  const url = healthUrl(baseUrl);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  // A cancelled check settles at once even if `get` is slow to honour its signal, so stop() leaves no
  // timer behind. Timeouts, in contrast, go through `get`: only it knows whether it ever connected.
  let onCancel = (): void => {};
  const cancelled = new Promise<never>((_, reject) => {
    onCancel = () => {
      controller.abort(cancel.reason);
      reject(cancel.reason);
    };
  });
  if (cancel.aborted) onCancel();
  else cancel.addEventListener('abort', onCancel, { once: true });
  try {
    // Bypass-Tunnel-Reminder: the public localtunnel servers answer browsers with a reminder page instead.
    const status = await Promise.race([get(url, { 'Bypass-Tunnel-Reminder': '1' }, controller.signal), cancelled]);
    return status === 200 ? { verdict: 'alive' } : { verdict: 'dead', detail: `GET ${url} answered ${status}` };
  } catch (err) {
    const detail = `GET ${url} failed: ${errorMessage(err)}`;
    return { verdict: err instanceof TunnelError && err.kind === 'unreachable' ? 'unknown' : 'dead', detail };
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener('abort', onCancel);
  }
}
