/** The bottom bar: event port, tunnel state and public URL, pause/resume, and today's and total counts. */
import { useState } from 'react';
import type { AppStatus } from '../../../electron/core/contract';
import { errorMessage } from '../api/call-error';
import { useMonitor } from '../api/monitor-context';
import { useNow } from '../hooks/use-now';
import { useI18n } from '../i18n/i18n-context';
import { tunnelText } from './tunnel-text';
import { UrlWithCopy } from './url-with-copy';

/** The port of `http://127.0.0.1:PORT/`, or null. */
export function portOf(eventsUrl: string | null): string | null {
  if (!eventsUrl) return null;
  try {
    const url = new URL(eventsUrl);
    return url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return null;
  }
}

export function StatusBar({ status, onStatus }: { status: AppStatus; onStatus: (status: AppStatus) => void }) {
  const api = useMonitor();
  const { t, count } = useI18n();
  const { tunnel } = status;
  const now = useNow(tunnel.status === 'reconnecting');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const port = portOf(status.eventsUrl);
  const canPause = status.tunnelPaused || tunnel.status !== 'off';

  const togglePause = () => {
    setBusy(true);
    setError(null);
    api
      .setTunnelPaused({ paused: !status.tunnelPaused })
      .then(onStatus, (e: unknown) => setError(errorMessage(e)))
      .finally(() => setBusy(false));
  };

  return (
    <footer className="status-bar" aria-label={t('status.label')}>
      <span className="status-item">
        <span className="status-key">{t('status.port')}</span> <span className="mono">{port ?? t('status.portNone')}</span>
      </span>
      <span className="status-item status-tunnel" data-tunnel={status.tunnelPaused && tunnel.status === 'off' ? 'paused' : tunnel.status}>
        <span className="dot" aria-hidden="true" />
        <span className="status-key">{t('status.tunnel')}</span>{' '}
        <span className="tunnel-text">{tunnelText(tunnel, status.tunnelPaused, now, t)}</span>
        {tunnel.status === 'online' && <UrlWithCopy url={tunnel.url} what={t('status.publicUrl')} />}
        {canPause && (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={togglePause}
            disabled={busy}
            aria-label={status.tunnelPaused ? t('status.resumeLabel') : t('status.pauseLabel')}
          >
            {status.tunnelPaused ? t('status.resume') : t('status.pause')}
          </button>
        )}
        {error && (
          <span className="error-text" role="alert">
            {error}
          </span>
        )}
      </span>
      <span className="status-counts">
        <span className="status-item">
          <span className="status-key">{t('status.today')}</span> <strong data-testid="count-today">{count(status.counts.today)}</strong>
        </span>
        <span className="status-item">
          <span className="status-key">{t('status.total')}</span> <strong data-testid="count-total">{count(status.counts.total)}</strong>
        </span>
        {status.counts.rejected > 0 && (
          <span className="status-item">
            <span className="status-key">{t('status.refused')}</span> <strong>{count(status.counts.rejected)}</strong>
          </span>
        )}
      </span>
    </footer>
  );
}
