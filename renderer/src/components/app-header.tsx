/** Title, the views, and the setup guide button. */
import { useI18n } from '../i18n/i18n-context';
import type { MessageKey } from '../i18n/en';

export type View = 'log' | 'activity' | 'quarantine' | 'settings' | 'setup';

const TABS: readonly { view: View; label: MessageKey }[] = [
  { view: 'log', label: 'nav.log' },
  { view: 'activity', label: 'nav.activity' },
  { view: 'quarantine', label: 'nav.quarantine' },
  { view: 'settings', label: 'nav.settings' },
];

export function AppHeader({ view, onView, quarantined }: { view: View; onView: (view: View) => void; quarantined: number }) {
  const { t, count } = useI18n();
  return (
    <header className="app-header">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M4 7h16M9 7V4.5h6V7M6.5 7l1 13h9l1-13" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" strokeLinecap="round" />
          <path d="M10 11v5M14 11v5" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
        <h1>{t('app.title')}</h1>
      </div>
      <nav aria-label={t('nav.label')}>
        <ul className="tabs">
          {TABS.map((tab) => (
            <li key={tab.view}>
              <button type="button" className="tab" aria-current={view === tab.view ? 'page' : undefined} onClick={() => onView(tab.view)}>
                {t(tab.label)}
                {tab.view === 'quarantine' && quarantined > 0 && <span className="badge">{count(quarantined)}</span>}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <button type="button" className="btn btn-ghost setup-button" aria-current={view === 'setup' ? 'page' : undefined} onClick={() => onView('setup')}>
        {t('nav.setup')}
      </button>
    </header>
  );
}
