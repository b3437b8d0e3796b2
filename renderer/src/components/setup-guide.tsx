/**
 * First-run guide: create the outgoing webhook in Bitrix24, paste the public URL, tick the deletion
 * events, add the application token it shows, and send a test event.
 */
import type { AppStatus, QuarantineEntry, Settings } from '../../../electron/core/contract';
import { useNow } from '../hooks/use-now';
import { useI18n } from '../i18n/i18n-context';
import { CopyButton } from './copy-button';
import { FirstArrival } from './first-arrival';
import { TestEvent } from './test-event';
import { TokenForm } from './token-form';
import { tunnelText } from './tunnel-text';
import { UrlWithCopy } from './url-with-copy';

/** The events to tick in the outgoing webhook (docs: shared/BITRIX24.md). */
export const DELETION_EVENTS = [
  'ONCRMDYNAMICITEMDELETE',
  'ONCRMLEADDELETE',
  'ONCRMDEALDELETE',
  'ONCRMCONTACTDELETE',
  'ONCRMCOMPANYDELETE',
  'ONCRMQUOTEDELETE',
  'ONCRMINVOICEDELETE',
] as const;

function HandlerUrl({ status }: { status: AppStatus }) {
  const { t } = useI18n();
  const { tunnel } = status;
  const now = useNow(tunnel.status === 'reconnecting');
  if (tunnel.status === 'online') return <UrlWithCopy url={tunnel.url} what={t('setup.url.label')} />;
  const state = tunnelText(tunnel, status.tunnelPaused, now, t);
  if (tunnel.status === 'off') return <p className="note">{t('setup.url.off', { url: status.eventsUrl ?? '127.0.0.1' })}</p>;
  if (tunnel.status === 'connecting') return <p className="note">{t('setup.url.waiting', { state })}</p>;
  return <p className="note note-warning">{t('setup.url.down', { state })}</p>;
}

export function SetupGuide({
  status,
  settings,
  onSettings,
  quarantine,
  onDone,
}: {
  status: AppStatus;
  settings: Settings;
  onSettings: (settings: Settings) => void;
  /** Refused requests: one that arrives while the guide is open is shown in it. */
  quarantine: readonly QuarantineEntry[];
  onDone: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className="page setup">
      <h2 tabIndex={-1}>{t('setup.title')}</h2>
      <p className="lead">{t('setup.intro')}</p>
      <div aria-live="polite">
        <FirstArrival quarantine={quarantine} onOpenLog={onDone} />
      </div>
      <ol className="steps">
        <li>
          {t('setup.step.open')} <strong className="ui-path">{t('setup.step.openPath')}</strong>.
          <p className="muted small">{t('setup.paidNote')}</p>
        </li>
        <li>
          {t('setup.step.url')}
          <div className="step-body">
            <HandlerUrl status={status} />
          </div>
        </li>
        <li>
          {t('setup.step.events')}
          <div className="step-body">
            <ul className="event-list" aria-label={t('setup.eventList')}>
              {DELETION_EVENTS.map((event) => (
                <li key={event}>
                  <code>{event}</code>
                </li>
              ))}
            </ul>
            <CopyButton text={DELETION_EVENTS.join('\n')} what={t('setup.eventList')} />
          </div>
        </li>
        <li>{t('setup.step.save')}</li>
        <li>{t('setup.step.token')}</li>
      </ol>

      <section className="card" aria-labelledby="setup-token">
        <h3 id="setup-token">{t('setup.tokenTitle')}</h3>
        <TokenForm tokens={settings.tokens} onAdded={onSettings} />
        {settings.tokens.length > 0 && <p className="muted">{t('setup.tokenCount', { count: settings.tokens.length })}</p>}
      </section>

      <section className="card" aria-labelledby="setup-test">
        <h3 id="setup-test">{t('setup.testTitle')}</h3>
        <p className="muted">{t('setup.testIntro')}</p>
        <TestEvent />
      </section>

      <p>
        <button type="button" className="btn btn-primary" onClick={onDone}>
          {t('setup.goToLog')}
        </button>
      </p>
    </div>
  );
}
