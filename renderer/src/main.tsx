/** Entry point: picks the transport and renders the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createMonitor } from './api/create-monitor';
import { MonitorProvider } from './api/monitor-context';
import { MonitorApp, Notice } from './app';
import { I18nProvider, useI18n } from './i18n/i18n-context';
import './styles/theme.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/table.css';
import './styles/forms.css';

function NoKey() {
  const { t } = useI18n();
  return <Notice title={t('app.noKey.title')} body={t('app.noKey.body')} />;
}

const api = createMonitor();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {api ? (
      <MonitorProvider api={api}>
        <MonitorApp />
      </MonitorProvider>
    ) : (
      <I18nProvider language={undefined}>
        <NoKey />
      </I18nProvider>
    )}
  </StrictMode>,
);
