/**
 * The application: loads status, settings and the quarantine, picks the view, and wires shortcuts.
 * Shows the setup guide first when nothing is set up yet (no tokens, empty log).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppStatus, DeletionFilter, QuarantineEntry, Settings } from '../../electron/core/contract';
import { errorCode, errorMessage } from './api/call-error';
import type { ConnectionState } from './api/http-client';
import { ActivityView } from './components/activity-view';
import { AlertBanners } from './components/alert-banners';
import { AppHeader, type View } from './components/app-header';
import { LogView } from './components/log-view';
import { QuarantineView } from './components/quarantine-view';
import { SettingsView } from './components/settings-view';
import { SetupGuide } from './components/setup-guide';
import { StatusBar } from './components/status-bar';
import { useConnection } from './hooks/use-connection';
import { AppPortalsProvider } from './hooks/use-app-portals';
import { useQuarantine, useSettings, useStatus } from './hooks/use-core-value';
import { useExport } from './hooks/use-export';
import { useFacets } from './hooks/use-facets';
import { useMarkSeen } from './hooks/use-mark-seen';
import { useShortcuts } from './hooks/use-shortcuts';
import { I18nProvider, useI18n } from './i18n/i18n-context';
import { normalizeFilter } from './lib/filter';

export interface MonitorAppProps {
  /** Table viewport height before layout (tests; jsdom has no layout). */
  initialTableHeight?: number;
}

/** Full-page message: loading, unreachable, or refused. */
export function Notice({ title, body, action }: { title: string; body?: string; action?: { label: string; run: () => void } }) {
  return (
    <main className="notice">
      <h1>{title}</h1>
      {body && <p>{body}</p>}
      {action && (
        <button type="button" className="btn btn-primary" onClick={action.run}>
          {action.label}
        </button>
      )}
    </main>
  );
}

export function MonitorApp(props: MonitorAppProps) {
  const status = useStatus();
  const settings = useSettings();
  const quarantine = useQuarantine();
  const connection = useConnection();
  return (
    <I18nProvider language={settings.value?.language}>
      <Gate status={status} settings={settings} quarantine={quarantine.value ?? []} connection={connection} {...props} />
    </I18nProvider>
  );
}

type Loaded<T> = { value: T | undefined; error: unknown; reload(): void; set(value: T): void };

function Gate({
  status,
  settings,
  quarantine,
  connection,
  initialTableHeight,
}: {
  status: Loaded<AppStatus>;
  settings: Loaded<Settings>;
  quarantine: QuarantineEntry[];
  connection: ConnectionState;
} & MonitorAppProps) {
  const { t } = useI18n();
  if (connection === 'unauthorized') return <Notice title={t('app.title')} body={t('app.unauthorized')} />;
  if (status.value && settings.value) {
    return (
      <Shell
        status={status.value}
        onStatus={status.set}
        settings={settings.value}
        onSettings={settings.set}
        quarantine={quarantine}
        connection={connection}
        initialTableHeight={initialTableHeight}
      />
    );
  }
  const error = status.error ?? settings.error;
  if (!error) return <Notice title={t('app.loading')} />;
  const retry = { label: t('app.retry'), run: () => (status.reload(), settings.reload()) };
  if (errorCode(error) === 'UNAUTHORIZED') return <Notice title={t('app.title')} body={t('app.unauthorized')} />;
  return <Notice title={t('app.title')} body={t('app.loadFailed', { error: errorMessage(error) })} action={retry} />;
}

function Shell({
  status,
  onStatus,
  settings,
  onSettings,
  quarantine,
  connection,
  initialTableHeight,
}: {
  status: AppStatus;
  onStatus: (status: AppStatus) => void;
  settings: Settings;
  onSettings: (settings: Settings) => void;
  quarantine: QuarantineEntry[];
  connection: ConnectionState;
  initialTableHeight?: number;
}) {
  const facets = useFacets();
  const exporter = useExport();
  // Nothing set up yet: no saved token, none given for this run (`serve --token`), no deletion.
  const [view, setView] = useState<View>(() => (settings.tokens.length === 0 && status.tokensForRun === 0 && status.counts.total === 0 ? 'setup' : 'log'));
  const [filter, setFilter] = useState<DeletionFilter>({});
  const [focusRequest, setFocusRequest] = useState(0);
  const total = useRef<number | null>(null);
  const mainRef = useRef<HTMLElement>(null);

  useMarkSeen(view === 'log');
  useShortcuts({
    find: () => {
      setView((v) => (v === 'activity' ? v : 'log'));
      setFocusRequest((n) => n + 1);
    },
    export: () => {
      if (total.current !== 0) exporter.start(filter, total.current);
    },
  });

  const onFilter = useCallback((next: DeletionFilter) => setFilter(normalizeFilter(next)), []);
  const onTotal = useCallback((n: number | null) => void (total.current = n), []);
  const show = useCallback((next: View) => {
    setView(next);
    setFocusRequest(0);
  }, []);

  // Move focus to the new view's heading area for keyboard and screen-reader users.
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    if (view !== 'log') mainRef.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [view]);

  return (
    <AppPortalsProvider apps={status.apps} alerts={status.alerts}>
    <div className="app">
      <AppHeader view={view} onView={show} quarantined={quarantine.length} />
      <AlertBanners
        status={status}
        connection={connection}
        onOpenSettings={() => show('settings')}
        webhookPortals={settings.tokens.length > 0 || status.tokensForRun > 0 || (status.apps ?? []).length === 0}
        onShowBurst={(alert) => {
          // The burst's portal from its first deletion on (rows arrive at or after the portal queued them).
          setFilter(normalizeFilter({ portal: alert.portal, from: alert.firstAt }));
          show('log');
        }}
      />
      <main className="app-main" ref={mainRef} data-view={view}>
        {view === 'log' && (
          <LogView
            filter={filter}
            onFilter={onFilter}
            facets={facets}
            focusRequest={focusRequest}
            exporter={exporter}
            onTotal={onTotal}
            initialHeight={initialTableHeight}
          />
        )}
        {view === 'activity' && (
          <ActivityView
            filter={filter}
            onFilter={onFilter}
            facets={facets}
            focusRequest={focusRequest}
            onShowInLog={(next) => {
              setFilter(normalizeFilter(next));
              show('log');
            }}
          />
        )}
        {view === 'setup' && <SetupGuide status={status} settings={settings} onSettings={onSettings} quarantine={quarantine} onDone={() => show('log')} />}
        {view === 'quarantine' && <QuarantineView entries={quarantine} />}
        {view === 'settings' && <SettingsView settings={settings} status={status} onSettings={onSettings} />}
      </main>
      <StatusBar status={status} onStatus={onStatus} />
    </div>
    </AppPortalsProvider>
  );
}
