/**
 * Requests refused for an unknown token. "Trust this token" accepts it from then on and moves the
 * deletions it carried into the log; "Clear" forgets them all.
 */
import { useId, useState, type FormEvent } from 'react';
import type { QuarantineEntry, TrustResult } from '../../../electron/core/contract';
import { errorMessage } from '../api/call-error';
import { useMonitor } from '../api/monitor-context';
import { useI18n } from '../i18n/i18n-context';

/** Label, then trust: the form behind "Trust this token" (also in the setup guide). */
export function TrustForm({ entry, onDone, onCancel }: { entry: QuarantineEntry; onDone: (result: TrustResult) => void; onCancel: () => void }) {
  const api = useMonitor();
  const { t } = useI18n();
  const id = useId();
  const [label, setLabel] = useState(entry.portal ?? '');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    api
      .trustQuarantined({ id: entry.id, label: label.trim().slice(0, 200) })
      .then(onDone, (error: unknown) => setFailure(errorMessage(error)))
      .finally(() => setBusy(false));
  };
  return (
    <form className="trust-form" onSubmit={submit}>
      <label htmlFor={`${id}-label`}>{t('quarantine.trustLabel')}</label>
      <input id={`${id}-label`} type="text" value={label} maxLength={200} onChange={(e) => setLabel(e.target.value)} autoFocus />
      <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
        {busy ? t('quarantine.trusting') : t('quarantine.trustConfirm')}
      </button>
      <button type="button" className="btn btn-small btn-ghost" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      {failure && (
        <span className="error-text" role="alert">
          {t('quarantine.failed', { error: failure })}
        </span>
      )}
    </form>
  );
}

export function QuarantineView({ entries }: { entries: readonly QuarantineEntry[] }) {
  const api = useMonitor();
  const { t, dateTime, entityType } = useI18n();
  const [trusting, setTrusting] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [confirmClear, setConfirmClear] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const newestFirst = [...entries].sort((a, b) => b.receivedAt - a.receivedAt);

  const clear = () => {
    setFailure(null);
    api.clearQuarantine().then(
      () => {
        setConfirmClear(false);
        setMessage(t('quarantine.cleared'));
      },
      (error: unknown) => setFailure(t('quarantine.failed', { error: errorMessage(error) })),
    );
  };

  return (
    <div className="page quarantine">
      <div className="page-head">
        <h2 tabIndex={-1}>{t('quarantine.title')}</h2>
        {entries.length > 0 &&
          (confirmClear ? (
            <span className="confirm" role="group" aria-label={t('quarantine.clearConfirm', { count: entries.length })}>
              <span>{t('quarantine.clearConfirm', { count: entries.length })}</span>
              <button type="button" className="btn btn-small btn-danger" onClick={clear}>
                {t('quarantine.clearYes')}
              </button>
              <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirmClear(false)}>
                {t('common.cancel')}
              </button>
            </span>
          ) : (
            <button type="button" className="btn btn-ghost" onClick={() => setConfirmClear(true)}>
              {t('quarantine.clear')}
            </button>
          ))}
      </div>
      <p className="muted">{t('quarantine.intro')}</p>
      <div aria-live="polite">{message && <p className="ok-text">{message}</p>}</div>
      {failure && (
        <p className="error-text" role="alert">
          {failure}
        </p>
      )}
      {newestFirst.length === 0 ? (
        <p className="empty">{t('quarantine.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table className="simple-table quarantine-table">
            <caption className="visually-hidden">{t('quarantine.label')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('quarantine.col.receivedAt')}</th>
                <th scope="col">{t('quarantine.col.portal')}</th>
                <th scope="col">{t('quarantine.col.event')}</th>
                <th scope="col">{t('quarantine.col.token')}</th>
                <th scope="col">{t('quarantine.col.item')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('quarantine.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {newestFirst.map((entry) => (
                <tr key={entry.id}>
                  <td className="mono nowrap">{dateTime(entry.receivedAt)}</td>
                  <td>{entry.portal ?? <span className="muted">{t('quarantine.unknownPortal')}</span>}</td>
                  <td className="mono">{entry.event}</td>
                  <td className="mono">{entry.tokenFp ?? <span className="muted">{t('quarantine.noToken')}</span>}</td>
                  <td>
                    {entry.itemId === null
                      ? t('common.none')
                      : `${entry.entityTypeId === null ? '' : `${entityType(entry.entityTypeId)} `}${String(entry.itemId)}`}
                  </td>
                  <td className="actions">
                    {trusting === entry.id ? (
                      <TrustForm
                        entry={entry}
                        onCancel={() => setTrusting(null)}
                        onDone={(result) => {
                          setTrusting(null);
                          setMessage(t('quarantine.trusted', { fingerprint: result.fingerprint, count: result.moved }));
                        }}
                      />
                    ) : (
                      entry.tokenFp && (
                        <button type="button" className="btn btn-small" onClick={() => setTrusting(entry.id)}>
                          {t('quarantine.trust')}
                        </button>
                      )
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
