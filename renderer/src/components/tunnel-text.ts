/** One line describing the tunnel's state, shared by the status bar and the setup guide. */
import type { TunnelState } from '../../../electron/core/contract';
import type { I18n } from '../i18n/i18n';

export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export function tunnelText(tunnel: TunnelState, paused: boolean, now: number, t: I18n['t']): string {
  switch (tunnel.status) {
    case 'off':
      return paused ? t('status.tunnel.paused') : t('status.tunnel.off');
    case 'connecting':
      return t('status.tunnel.connecting', { host: tunnel.host });
    case 'online':
      return t('status.tunnel.online');
    case 'reconnecting': {
      const seconds = secondsUntil(tunnel.nextTryAt, now);
      return seconds > 0
        ? t('status.tunnel.reconnecting', { attempt: tunnel.attempt, seconds })
        : t('status.tunnel.reconnectingNow', { attempt: tunnel.attempt });
    }
    case 'failed':
      return t('status.tunnel.failed', { reason: tunnel.reason });
  }
}
