/**
 * Warnings that must not be missed: the log cannot be written, the public URL is down, or it changed
 * (the webhook in Bitrix24 still points at the old one). Bitrix24 never resends an event, so each of
 * these means deletions are being lost right now.
 */
import { useState } from 'react';
import type { AppStatus, MassDeletionAlert } from '../../../electron/core/contract';
import type { ConnectionState } from '../api/http-client';
import { useNow } from '../hooks/use-now';
import { useI18n } from '../i18n/i18n-context';
import { secondsUntil } from './tunnel-text';
import { UrlWithCopy } from './url-with-copy';

export function AlertBanners({
  status,
  connection,
  onOpenSettings,
  webhookPortals = true,
  onShowBurst,
}: {
  status: AppStatus;
  connection: ConnectionState;
  onOpenSettings: () => void;
  /**
   * Some portal reaches this monitor through an outgoing webhook (a saved or --token token): a changed
   * URL must be pasted into Bitrix24 by hand. Application portals follow the URL by themselves.
   */
  webhookPortals?: boolean;
  /** Shows a mass deletion's rows in the log. */
  onShowBurst?: (alert: MassDeletionAlert) => void;
}) {
  const { t } = useI18n();
  const { tunnel, store } = status;
  const apps = status.apps ?? [];
  const now = useNow(tunnel.status === 'reconnecting');
  const [acknowledgedUrl, setAcknowledgedUrl] = useState<string | null>(null);
  const [dismissedAlerts, setDismissedAlerts] = useState<ReadonlySet<string>>(new Set());
  const { dateTime } = useI18n();

  return (
    <div className="banners">
      {connection === 'reconnecting' && (
        <div className="banner banner-warning" role="alert">
          <p className="banner-title">{t('app.reconnecting')}</p>
        </div>
      )}
      {!store.ok && (
        <div className="banner banner-error" role="alert">
          <p className="banner-title">{t('banner.storeFailed', { error: store.error ?? '?' })}</p>
          <p>{t('banner.storeFailedHint', { dir: status.dataDir })}</p>
        </div>
      )}
      {tunnel.status === 'reconnecting' && (
        <div className="banner banner-error" role="alert">
          <p className="banner-title">{t('banner.tunnelReconnecting')}</p>
          <p aria-live="off">
            {t('banner.tunnelReconnectingBody', { attempt: tunnel.attempt, seconds: secondsUntil(tunnel.nextTryAt, now), reason: tunnel.reason })}{' '}
            {t('banner.lostNote')}
          </p>
        </div>
      )}
      {tunnel.status === 'failed' && (
        <div className="banner banner-error" role="alert">
          <p className="banner-title">{t('banner.tunnelFailed')}</p>
          <p>
            {t('banner.tunnelFailedBody', { reason: tunnel.reason })} {t('banner.lostNote')}
          </p>
          <div className="banner-actions">
            <button type="button" className="btn btn-small" onClick={onOpenSettings}>
              {t('banner.openSettings')}
            </button>
          </div>
        </div>
      )}
      {(status.alerts ?? [])
        .filter((alert) => !dismissedAlerts.has(alert.id))
        .map((alert) => (
          <div key={alert.id} className="banner banner-error banner-burst" role="alert">
            <p className="banner-title">
              {t('banner.massDeletion', {
                portal: alert.portal,
                count: alert.count,
                user: alert.userName ?? (alert.userId === null ? t('banner.massDeletionNoUser') : t('table.userId', { id: String(alert.userId) })),
              })}
            </p>
            <p>{t('banner.massDeletionBody', { from: dateTime(alert.firstAt), to: dateTime(alert.lastAt), threshold: alert.threshold, minutes: alert.windowMinutes })}</p>
            <div className="banner-actions">
              {onShowBurst && (
                <button type="button" className="btn btn-small" onClick={() => onShowBurst(alert)}>
                  {t('banner.massDeletionShow')}
                </button>
              )}
              <button type="button" className="btn btn-small btn-ghost" onClick={() => setDismissedAlerts((d) => new Set([...d, alert.id]))}>
                {t('common.dismiss')}
              </button>
            </div>
          </div>
        ))}
      {apps
        .filter((app) => app.status === 'reconnect-needed')
        .map((app) => (
          <div key={`reconnect-${app.domain}`} className="banner banner-error" role="alert">
            <p className="banner-title">{t('banner.appReconnect', { portal: app.domain, reason: app.statusReason ?? '' })}</p>
            <p>{t('banner.appReconnectBody')}</p>
            <div className="banner-actions">
              <button type="button" className="btn btn-small" onClick={onOpenSettings}>
                {t('banner.openSettings')}
              </button>
            </div>
          </div>
        ))}
      {apps
        .filter((app) => app.status === 'connected' && app.handlerRefused)
        .map((app) => (
          <div key={`refused-${app.domain}`} className="banner banner-warning" role="status">
            <p>{t('banner.handlerRefused', { portal: app.domain })}</p>
          </div>
        ))}
      {webhookPortals && tunnel.status === 'online' && tunnel.urlChanged && acknowledgedUrl !== tunnel.url && (
        <div className="banner banner-warning" role="alert">
          <p className="banner-title">{t('banner.urlChanged')}</p>
          <p className="banner-url">
            <span className="status-key">{t('banner.newUrl')}</span> <UrlWithCopy url={tunnel.url} what={t('banner.newUrl')} />
          </p>
          <p>{t('banner.urlChangedBody')}</p>
          {tunnel.previousUrl && <p className="muted">{t('banner.urlChangedPrevious', { url: tunnel.previousUrl })}</p>}
          <div className="banner-actions">
            <button type="button" className="btn btn-small" onClick={() => setAcknowledgedUrl(tunnel.url)}>
              {t('banner.urlChangedDone')}
            </button>
          </div>
        </div>
      )}
      {store.quarantinedFiles.length > 0 && (
        <div className="banner banner-info" role="status">
          <p>{t('banner.damagedFiles', { count: store.quarantinedFiles.length, files: store.quarantinedFiles.join(', ') })}</p>
        </div>
      )}
    </div>
  );
}
