/** The accepted application tokens: fingerprint, portal, label; remove with a confirmation. */
import { useState } from 'react';
import type { Settings, TrustedToken } from '../../../electron/core/contract';
import { errorMessage } from '../api/call-error';
import { useMonitor } from '../api/monitor-context';
import { useI18n } from '../i18n/i18n-context';

export function TokenList({ tokens, onChanged }: { tokens: readonly TrustedToken[]; onChanged: (settings: Settings) => void }) {
  const api = useMonitor();
  const { t, dateTime } = useI18n();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const remove = (fingerprint: string) => {
    setBusy(true);
    setFailure(null);
    api
      .removeToken({ fingerprint })
      .then(
        (settings) => {
          setConfirming(null);
          onChanged(settings);
        },
        (error: unknown) => setFailure(errorMessage(error)),
      )
      .finally(() => setBusy(false));
  };

  if (tokens.length === 0) return <p className="muted">{t('tokens.empty')}</p>;
  return (
    <>
      <table className="simple-table token-table">
        <caption className="visually-hidden">{t('tokens.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('tokens.col.fingerprint')}</th>
            <th scope="col">{t('tokens.col.portal')}</th>
            <th scope="col">{t('tokens.col.label')}</th>
            <th scope="col">{t('tokens.col.added')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('tokens.col.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={`${token.fingerprint}-${token.portal ?? '*'}`}>
              <td className="mono">{token.fingerprint}</td>
              <td>{token.portal ?? <span className="muted">{t('common.anyPortal')}</span>}</td>
              <td>{token.label || <span className="muted">{t('common.none')}</span>}</td>
              <td className="mono nowrap">{dateTime(token.addedAt)}</td>
              <td className="actions">
                {confirming === token.fingerprint ? (
                  <span className="confirm" role="group" aria-label={t('tokens.removeConfirm', { fingerprint: token.fingerprint })}>
                    <span>{t('tokens.removeConfirm', { fingerprint: token.fingerprint })}</span>
                    <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => remove(token.fingerprint)}>
                      {t('tokens.removeYes')}
                    </button>
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirming(null)}>
                      {t('common.cancel')}
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    aria-label={t('tokens.removeLabel', { fingerprint: token.fingerprint })}
                    onClick={() => setConfirming(token.fingerprint)}
                  >
                    {t('tokens.remove')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {failure && (
        <p className="error-text" role="alert">
          {failure}
        </p>
      )}
    </>
  );
}
