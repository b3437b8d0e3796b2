/**
 * Settings → Portals connected as applications: their state (connected, waiting for the install,
 * reconnect needed, disconnected), where their handlers point, the offline queue's last drain, and the
 * "Connect as application" wizard. Secrets go to the core once and never come back.
 */
import { useId, useState, type FormEvent } from 'react';
import type { AppStatus, PortalAppState } from '../../../electron/core/contract';
import { errorCode, errorMessage } from '../api/call-error';
import { useMonitor } from '../api/monitor-context';
import { useI18n } from '../i18n/i18n-context';
import type { MessageKey } from '../i18n/en';
import { appPortalError, clientIdError, clientSecretError, normalizePortal } from '../lib/validation';
import { Field } from './field';
import { UrlWithCopy } from './url-with-copy';

const STATUS_KEY: Record<PortalAppState['status'], MessageKey> = {
  'install-expected': 'apps.status.installExpected',
  connected: 'apps.status.connected',
  'reconnect-needed': 'apps.status.reconnectNeeded',
  disconnected: 'apps.status.disconnected',
};

/** The permissions the local application needs: CRM for bindings and names of types, user_brief for names. */
export const APP_SCOPES = ['crm', 'user_brief'] as const;

/** The snapshot backfill's progress in words, with a progress bar while it reads. */
export function BackfillProgress({ backfill }: { backfill: PortalAppState['backfill'] }) {
  const { t, count } = useI18n();
  if (!backfill) return <span className="muted">{t('apps.backfill.notStarted')}</span>;
  const done = count(backfill.done);
  const total = backfill.total === null ? '…' : count(backfill.total);
  const percent = backfill.total ? Math.min(100, Math.floor((backfill.done / backfill.total) * 100)) : null;
  switch (backfill.status) {
    case 'done':
      return <span>{t('apps.backfill.done', { count: backfill.done })}</span>;
    case 'running':
      return (
        <span className="backfill">
          {percent === null ? t('apps.backfill.runningNoTotal', { done }) : t('apps.backfill.running', { done, total, percent })}
          {percent !== null && <progress max={100} value={percent} aria-label={t('apps.col.snapshots')} />}
        </span>
      );
    case 'paused':
      return <span className="warning-text">{t('apps.backfill.paused', { done, total, reason: backfill.reason ?? '' })}</span>;
    case 'failed':
      return <span className="error-text">{t('apps.backfill.failed', { done, reason: backfill.reason ?? '' })}</span>;
  }
}

function AppList({ apps }: { apps: readonly PortalAppState[] }) {
  const { t, dateTime } = useI18n();
  if (apps.length === 0) return <p className="muted">{t('apps.empty')}</p>;
  return (
    <table className="simple-table app-table">
      <caption className="visually-hidden">{t('apps.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('apps.col.portal')}</th>
          <th scope="col">{t('apps.col.status')}</th>
          <th scope="col">{t('apps.col.handler')}</th>
          <th scope="col">{t('apps.col.drain')}</th>
          <th scope="col">{t('apps.col.snapshots')}</th>
        </tr>
      </thead>
      <tbody>
        {apps.map((app) => (
          <tr key={app.domain}>
            <td>
              {app.domain}
              <div className="muted small mono">{app.clientId}</div>
            </td>
            <td>
              <span className={`app-status app-status-${app.status}`}>{t(STATUS_KEY[app.status])}</span>
              {app.statusReason && <div className="muted small">{app.statusReason}</div>}
            </td>
            <td>
              {app.handlerRefused ? (
                <span className="warning-text">{t('apps.handlerRefused')}</span>
              ) : app.handlerUrl ? (
                <span className="mono small">{app.handlerUrl}</span>
              ) : (
                <span className="muted">{t('common.none')}</span>
              )}
            </td>
            <td>{app.lastDrain ? t('apps.drain', { time: dateTime(app.lastDrain.at), count: app.lastDrain.rows }) : <span className="muted">{t('apps.drainNever')}</span>}</td>
            <td>
              <BackfillProgress backfill={app.backfill} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The public URL Bitrix24 must be told, or why there is none yet. */
function HandlerPath({ status }: { status: AppStatus }) {
  const { t } = useI18n();
  if (status.tunnel.status === 'online') return <UrlWithCopy url={status.tunnel.url} what={t('apps.wizard.handlerPath')} />;
  return <p className="note note-warning">{t('apps.wizard.noUrl')}</p>;
}

/**
 * The install event was missed (it is posted once, on Save, and only reaches a public URL that answers):
 * connect through the portal's authorization page instead. The desktop app shows the page and catches the
 * redirect itself; in a browser the user opens the page and pastes back the address it ended on.
 */
function AuthorizeFallback({ domain }: { domain: string }) {
  const api = useMonitor();
  const { t } = useI18n();
  const id = useId();
  const [url, setUrl] = useState<string | null>(null);
  const [redirected, setRedirected] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const open = () => {
    setBusy(true);
    setFailure(null);
    api
      .authorizePortalApp({ domain })
      .then(
        (answer) => {
          if (!answer.connected) setUrl(answer.url);
        },
        (error: unknown) => setFailure(errorMessage(error)),
      )
      .finally(() => setBusy(false));
  };
  const finish = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    api
      .completePortalAppAuthorization({ domain, redirected: redirected.trim() })
      .then(
        () => setRedirected(''),
        (error: unknown) => setFailure(errorMessage(error)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <div className="authorize-fallback">
      <p className="muted">{t('apps.auth.intro')}</p>
      {url === null ? (
        <button type="button" className="btn" onClick={open} disabled={busy}>
          {busy ? t('apps.auth.opening') : t('apps.auth.open')}
        </button>
      ) : (
        <form onSubmit={finish} noValidate>
          <p>
            {t('apps.auth.step1')}{' '}
            <a href={url} target="_blank" rel="noopener noreferrer">
              {t('apps.auth.link')}
            </a>
          </p>
          <Field id={`${id}-redirected`} label={t('apps.auth.redirected')} hint={t('apps.auth.redirectedHint')}>
            <input type="url" value={redirected} onChange={(e) => setRedirected(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <button type="submit" className="btn btn-primary" disabled={busy || redirected.trim() === ''}>
            {t('apps.auth.finish')}
          </button>
        </form>
      )}
      {failure && (
        <p className="error-text" role="alert">
          {t('apps.auth.failed', { error: failure })}
        </p>
      )}
    </div>
  );
}

export function ConnectAppWizard({ status, onClose }: { status: AppStatus; onClose: () => void }) {
  const api = useMonitor();
  const { t } = useI18n();
  const id = useId();
  const [domain, setDomain] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [waitingFor, setWaitingFor] = useState<string | null>(null);

  const errors = { domain: appPortalError(domain), clientId: clientIdError(clientId), clientSecret: clientSecretError(clientSecret) };
  const shown = (key: keyof typeof errors) => (submitted && errors[key] ? t(errors[key]!) : null);
  const app = waitingFor ? status.apps?.find((a) => a.domain === waitingFor) : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setFailure(null);
    const invalid = (['domain', 'clientId', 'clientSecret'] as const).find((k) => errors[k]);
    if (invalid) {
      document.getElementById(`${id}-${invalid}`)?.focus();
      return;
    }
    setBusy(true);
    api
      .connectPortalApp({ domain: normalizePortal(domain), clientId: clientId.trim(), clientSecret: clientSecret.trim() })
      .then(
        (state) => {
          setClientSecret(''); // the secret lives in the core only, sealed
          setWaitingFor(state.domain);
        },
        (error: unknown) => setFailure(errorCode(error) === 'APP_MODE_OFF' ? t('apps.wizard.unavailable') : errorMessage(error)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <section className="card wizard" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('apps.wizard.title')}</h3>
      <p className="muted">{t('apps.wizard.intro')}</p>
      <ol className="steps">
        <li>
          {t('apps.wizard.step.open')} <strong className="ui-path">{t('apps.wizard.step.openPath')}</strong>.
        </li>
        <li>
          {t('apps.wizard.step.paths')}
          <div className="step-body">
            <HandlerPath status={status} />
          </div>
        </li>
        <li>{t('apps.wizard.step.scriptOnly')}</li>
        <li>
          {t('apps.wizard.step.scopes')}{' '}
          {APP_SCOPES.map((scope) => (
            <code key={scope} className="scope">
              {scope}
            </code>
          ))}
        </li>
        <li>{t('apps.wizard.step.keys')}</li>
      </ol>
      {app ? (
        <div aria-live="polite">
          {app.status === 'connected' ? (
            <p className="ok-text">{t('apps.wizard.connected', { portal: app.domain })}</p>
          ) : app.status === 'install-expected' ? (
            <>
              <p className="note">{t('apps.wizard.waiting', { portal: app.domain })}</p>
              <AuthorizeFallback domain={app.domain} />
            </>
          ) : (
            <p className="error-text" role="alert">
              {t(STATUS_KEY[app.status])}
              {app.statusReason ? `: ${app.statusReason}` : ''}
            </p>
          )}
          <button type="button" className="btn" onClick={onClose}>
            {app.status === 'connected' ? t('apps.wizard.done') : t('apps.wizard.close')}
          </button>
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field id={`${id}-domain`} label={t('apps.wizard.domain')} hint={t('apps.wizard.domainHint')} error={shown('domain')}>
            <input type="text" value={domain} onChange={(e) => setDomain(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <Field id={`${id}-clientId`} label={t('apps.wizard.clientId')} hint={t('apps.wizard.clientIdHint')} error={shown('clientId')}>
            <input type="text" value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <Field id={`${id}-clientSecret`} label={t('apps.wizard.clientSecret')} hint={t('apps.wizard.clientSecretHint')} error={shown('clientSecret')}>
            <input type="password" value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          {failure && (
            <p className="error-text" role="alert">
              {t('apps.wizard.failed', { error: failure })}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? t('apps.wizard.connecting') : t('apps.wizard.connect')}
            </button>
            <button type="button" className="btn btn-ghost" onClick={onClose}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export function PortalApps({ status }: { status: AppStatus }) {
  const { t } = useI18n();
  const id = useId();
  const [wizard, setWizard] = useState(false);
  return (
    <section className="card" aria-labelledby={`${id}-apps`}>
      <h3 id={`${id}-apps`}>{t('apps.title')}</h3>
      <p className="muted">{t('apps.intro')}</p>
      <AppList apps={status.apps ?? []} />
      {wizard ? (
        <ConnectAppWizard status={status} onClose={() => setWizard(false)} />
      ) : (
        <p>
          <button type="button" className="btn" onClick={() => setWizard(true)}>
            {t('apps.connect')}
          </button>
        </p>
      )}
    </section>
  );
}
