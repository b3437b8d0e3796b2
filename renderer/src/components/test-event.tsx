/** "Send a test event": posts a sample deletion end to end and shows how it went and the stored row. */
import { useState } from 'react';
import type { TestEventResult } from '../../../electron/core/contract';
import { errorMessage } from '../api/call-error';
import { useMonitor } from '../api/monitor-context';
import type { Vars } from '../i18n/i18n';
import { useI18n } from '../i18n/i18n-context';
import { DeletionSummary } from './deletion-summary';

export function TestEvent() {
  const api = useMonitor();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestEventResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const run = () => {
    setBusy(true);
    setResult(null);
    setFailure(null);
    api
      .sendTestEvent()
      .then(setResult, (error: unknown) => setFailure(errorMessage(error)))
      .finally(() => setBusy(false));
  };

  const via = result ? t(result.via === 'tunnel' ? 'setup.test.via.tunnel' : 'setup.test.via.local') : '';
  const vars: Vars = result ? { via, status: result.status, ms: String(Math.round(result.elapsedMs)) } : {};
  return (
    <div className="test-event">
      <button type="button" className="btn" onClick={run} disabled={busy}>
        {busy ? t('setup.test.sending') : t('setup.test.button')}
      </button>
      <div aria-live="polite" className="test-result">
        {result && result.record && (
          <p className="ok-text">
            {t('setup.test.ok', vars)} {t('setup.test.isTest')}
          </p>
        )}
        {result && !result.record && (
          <p className="error-text" role="alert">
            {t('setup.test.notStored', vars)}
          </p>
        )}
        {failure && (
          <p className="error-text" role="alert">
            {t('setup.test.failed', { error: failure })}
          </p>
        )}
        {result?.record && (
          <DeletionSummary record={result.record} caption={t('setup.test.row')} withReceivedAt className="test-row" />
        )}
      </div>
    </div>
  );
}
