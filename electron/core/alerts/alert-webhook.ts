/**
 * Tells a team chat about a mass deletion: one POST of a short JSON message to the URL the admin set
 * (a chat bot's incoming webhook). The message says what and who, never a token; every attempt has a
 * timeout, and a failing URL is tried three times with back-off, then given up on (and logged).
 */
import pRetry from 'p-retry';
import type { MassDeletionAlert } from '../contract.js';

export interface AlertMessage {
  /** One line a chat shows as is. */
  text: string;
  portal: string;
  userId: number | null;
  user: string;
  count: number;
  firstAt: string;
  lastAt: string;
  rule: { threshold: number; windowMinutes: number };
}

/** Who, in words: the name application mode knows, else the id, else automation or unknown. */
export function actorText(alert: Pick<MassDeletionAlert, 'userId' | 'userName'>): string {
  if (alert.userName) return alert.userName;
  return alert.userId === null ? 'automation or an unnamed sender' : `user ${alert.userId}`;
}

export function alertMessage(alert: MassDeletionAlert): AlertMessage {
  const user = actorText(alert);
  const minutes = Math.max(1, Math.round((alert.lastAt - alert.firstAt) / 60_000));
  return {
    text: `Mass deletion on ${alert.portal}: ${alert.count} CRM items deleted by ${user} in ${minutes} min (rule: ${alert.threshold} within ${alert.windowMinutes} min).`,
    portal: alert.portal,
    userId: alert.userId,
    user,
    count: alert.count,
    firstAt: new Date(alert.firstAt).toISOString(),
    lastAt: new Date(alert.lastAt).toISOString(),
    rule: { threshold: alert.threshold, windowMinutes: alert.windowMinutes },
  };
}

export interface PostOptions {
  timeoutMs?: number;
  /** Attempts in all (default 3). */
  attempts?: number;
  minDelayMs?: number;
}

/** POSTs the alert's message; resolves with the final HTTP status, or rejects after the last attempt. */
export async function postAlert(url: string, alert: MassDeletionAlert, options: PostOptions = {}): Promise<number> {
  const body = JSON.stringify(alertMessage(alert));
  return pRetry(
    async () => {
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Bitrix24 Deletion Monitor' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      await response.body?.cancel();
      if (response.status >= 500 || response.status === 429) throw new Error(`HTTP ${response.status}`);
      return response.status;
    },
    { retries: (options.attempts ?? 3) - 1, minTimeout: options.minDelayMs ?? 1_000, factor: 2 },
  );
}
