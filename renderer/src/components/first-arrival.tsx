/**
 * The setup guide's answer to "did it work?": while the guide is open, the first deletion that arrives
 * from a portal is shown at once (event, type, item id, portal) with a way to the log, and a request
 * refused for its token is shown with "Trust this token". Test deletions do not count: they prove the
 * monitor, not the portal.
 */
import { useEffect, useRef, useState } from 'react';
import { isTestDeletion, type DeletionRecord, type QuarantineEntry, type TrustResult } from '../../../electron/core/contract';
import { useMonitor } from '../api/monitor-context';
import { useI18n } from '../i18n/i18n-context';
import { DeletionSummary } from './deletion-summary';
import { TrustForm } from './quarantine-view';

export function FirstArrival({ quarantine, onOpenLog }: { quarantine: readonly QuarantineEntry[]; onOpenLog: () => void }) {
  const api = useMonitor();
  const { t } = useI18n();
  const [first, setFirst] = useState<DeletionRecord | null>(null);
  const [trusting, setTrusting] = useState(false);
  const [trusted, setTrusted] = useState<TrustResult | null>(null);
  // Requests refused before the guide opened are the quarantine's business, not news.
  const known = useRef<Set<string> | null>(null);
  known.current ??= new Set(quarantine.map((e) => e.id));

  useEffect(
    () =>
      api.on('deletionsAdded', (records) => {
        const real = records.find((r) => !isTestDeletion(r));
        if (real) setFirst((current) => current ?? real);
      }),
    [api],
  );

  const refused = quarantine.filter((e) => !known.current!.has(e.id)).sort((a, b) => b.receivedAt - a.receivedAt)[0];

  if (first) {
    return (
      <section className="card card-success first-arrival" aria-labelledby="first-arrival-title">
        <h3 id="first-arrival-title">{t('setup.first.title')}</h3>
        <DeletionSummary record={first} caption={t('setup.first.caption')} captionHidden />
        <p>
          <button type="button" className="btn btn-primary" onClick={onOpenLog}>
            {t('setup.goToLog')}
          </button>
        </p>
      </section>
    );
  }

  if (refused && !trusted) {
    return (
      <section className="card card-warning first-arrival" aria-labelledby="first-refused-title">
        <h3 id="first-refused-title">{t('setup.refused.title')}</h3>
        <p>
          {t('setup.refused.body', {
            portal: refused.portal ?? t('quarantine.unknownPortal'),
            event: refused.event,
            fingerprint: refused.tokenFp ?? t('quarantine.noToken'),
          })}
        </p>
        {refused.tokenFp === null ? (
          <p className="muted">{t('setup.refused.noToken')}</p>
        ) : trusting ? (
          <TrustForm entry={refused} onCancel={() => setTrusting(false)} onDone={setTrusted} />
        ) : (
          <p>
            <button type="button" className="btn btn-primary" onClick={() => setTrusting(true)}>
              {t('quarantine.trust')}
            </button>
          </p>
        )}
      </section>
    );
  }

  return (
    <p className="note first-waiting" role="status">
      {trusted ? t('quarantine.trusted', { fingerprint: trusted.fingerprint, count: trusted.moved }) : t('setup.first.waiting')}
    </p>
  );
}
