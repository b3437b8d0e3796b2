import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PortalAppState } from '../../../electron/core/contract';
import { BASE_TIME, FakeMonitor, makeRecord } from '../helpers/fake-monitor';
import { flush, renderApp } from '../helpers/render';

const CLIENT_ID = 'local.6570a1b2c3d4e5.12345678';
const SECRET = 'Zx9sEcReT0fTheApp0000000000000000000000000000000';

function app(overrides: Partial<PortalAppState> = {}): PortalAppState {
  return { domain: 'acme.bitrix24.com', clientId: CLIENT_ID, status: 'connected', statusReason: null, connectedAt: BASE_TIME, handlerUrl: 'https://b24dm-test.loca.lt', handlerRefused: false, lastDrain: { at: BASE_TIME, rows: 3 }, ...overrides };
}

async function openSettings(api: FakeMonitor): Promise<ReturnType<typeof userEvent.setup>> {
  const user = userEvent.setup();
  await renderApp(api);
  await user.click(screen.getByRole('button', { name: 'Settings' }));
  return user;
}

describe('Connect as application', () => {
  it('walks through creating the local application, sends the keys once, and follows the install until connected', async () => {
    const api = new FakeMonitor({ synthetic: 3 });
    const user = await openSettings(api);
    const section = screen.getByRole('region', { name: 'Portals connected as applications' });
    expect(within(section).getByText('No portal is connected as an application.')).toBeTruthy();
    await user.click(within(section).getByRole('button', { name: 'Connect as application…' }));

    const wizard = screen.getByRole('region', { name: 'Connect a portal as an application' });
    expect(wizard.textContent).toContain('Applications → Developer resources → Other → Local application');
    // The handler path and installation path: the current public URL, with a copy button.
    expect(within(wizard).getByText('https://b24dm-test.loca.lt')).toBeTruthy();
    expect(within(wizard).getByRole('button', { name: 'Copy Handler path' })).toBeTruthy();
    expect(wizard.textContent).toContain('Script only (no user interface)');
    expect([...wizard.querySelectorAll('code.scope')].map((c) => c.textContent)).toEqual(['crm', 'user_brief']);

    // Checked as typed, before the core sees anything.
    await user.click(within(wizard).getByRole('button', { name: 'Connect' }));
    expect(within(wizard).getAllByRole('alert').map((a) => a.textContent)).toEqual([
      'Enter a domain such as example.bitrix24.com (without https://).',
      'Paste the Application ID (client_id) Bitrix24 shows, e.g. local.6570a1b2c3d4e5.12345678.',
      'Paste the Application key (client_secret) Bitrix24 shows.',
    ]);
    expect(api.callsOf('connectPortalApp')).toHaveLength(0);

    await user.type(within(wizard).getByLabelText('Portal address'), 'https://ACME.bitrix24.com/');
    await user.type(within(wizard).getByLabelText('Application ID (client_id)'), CLIENT_ID);
    const secret = within(wizard).getByLabelText('Application key (client_secret)') as HTMLInputElement;
    expect(secret.type).toBe('password');
    await user.type(secret, SECRET);
    await user.click(within(wizard).getByRole('button', { name: 'Connect' }));
    await flush();
    expect(api.callsOf('connectPortalApp')).toEqual([[{ domain: 'acme.bitrix24.com', clientId: CLIENT_ID, clientSecret: '(hidden)' }]]);
    expect(api.secretsReceived).toEqual([SECRET]);
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(wizard.textContent).toContain('Waiting for Bitrix24 to install the application on acme.bitrix24.com: click Save (or Install) in Bitrix24 now.');
    expect(within(section).getByText('waiting for the install')).toBeTruthy();

    // Bitrix24 posts ONAPPINSTALL; the core proves the tokens and says so.
    act(() => api.setPortalApp(app()));
    expect(wizard.textContent).toContain('acme.bitrix24.com is connected');
    const row = within(section).getByRole('row', { name: /acme\.bitrix24\.com/ });
    expect(row.textContent).toContain('connected');
    expect(row.textContent).toContain('https://b24dm-test.loca.lt');
    expect(row.textContent).toContain('3 rows');
    await user.click(within(wizard).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('region', { name: 'Connect a portal as an application' })).toBeNull();
  });

  it('says when there is no public URL for Bitrix24 to install through, and when the core has no key for secrets', async () => {
    const api = new FakeMonitor({ synthetic: 1, status: { tunnel: { status: 'off' } } });
    const user = await openSettings(api);
    await user.click(screen.getByRole('button', { name: 'Connect as application…' }));
    const wizard = screen.getByRole('region', { name: 'Connect a portal as an application' });
    expect(wizard.textContent).toContain('There is no public URL yet: turn the tunnel on');
    api.failNext('connectPortalApp', 'APP_MODE_OFF', 'application mode is not available here (no key to seal secrets with)');
    await user.type(within(wizard).getByLabelText('Portal address'), 'acme.bitrix24.com');
    await user.type(within(wizard).getByLabelText('Application ID (client_id)'), CLIENT_ID);
    await user.type(within(wizard).getByLabelText('Application key (client_secret)'), SECRET);
    await user.click(within(wizard).getByRole('button', { name: 'Connect' }));
    await flush();
    expect(within(wizard).getByRole('alert').textContent).toBe(
      'Not connected: Application mode is off in this monitor: it has no key to keep an application’s secrets with. Start serve with --app DOMAIN --app-client-id ID, or give it a key (B24DM_APP_KEY or --app-key-file).',
    );
  });
});

describe('the install event was missed', () => {
  async function waitingWizard(api: FakeMonitor) {
    const user = await openSettings(api);
    await user.click(screen.getByRole('button', { name: 'Connect as application…' }));
    const wizard = screen.getByRole('region', { name: 'Connect a portal as an application' });
    await user.type(within(wizard).getByLabelText('Portal address'), 'acme.bitrix24.com');
    await user.type(within(wizard).getByLabelText('Application ID (client_id)'), CLIENT_ID);
    await user.type(within(wizard).getByLabelText('Application key (client_secret)'), SECRET);
    await user.click(within(wizard).getByRole('button', { name: 'Connect' }));
    await flush();
    return { user, wizard };
  }

  it('in a browser: opens the authorization page as a link and finishes with the pasted address', async () => {
    const api = new FakeMonitor({ synthetic: 1, transport: 'http' });
    const { user, wizard } = await waitingWizard(api);
    await user.click(within(wizard).getByRole('button', { name: 'Open the authorization page' }));
    await flush();
    expect(api.callsOf('authorizePortalApp')).toEqual([[{ domain: 'acme.bitrix24.com' }]]);
    const link = within(wizard).getByRole('link', { name: 'the authorization page' }) as HTMLAnchorElement;
    expect(link.href).toBe('https://acme.bitrix24.com/oauth/authorize/?client_id=local.x&state=0123abcd');
    expect(link.rel).toBe('noopener noreferrer');
    const redirected = 'https://b24dm-test.loca.lt/?code=c0de&state=0123abcd&domain=acme.bitrix24.com';
    await user.type(within(wizard).getByLabelText('Address after allowing access'), redirected);
    await user.click(within(wizard).getAllByRole('button', { name: 'Connect' }).at(-1)!);
    await flush();
    expect(api.callsOf('completePortalAppAuthorization')).toEqual([[{ domain: 'acme.bitrix24.com', redirected }]]);
    expect(wizard.textContent).toContain('acme.bitrix24.com is connected');
  });

  it('in the desktop app: the page is shown and its redirect caught by the app, no pasting', async () => {
    const api = new FakeMonitor({ synthetic: 1 });
    api.authorizeAnswer = (domain) => ({ url: `https://${domain}/oauth/authorize/?state=1`, connected: app() });
    const { user, wizard } = await waitingWizard(api);
    await user.click(within(wizard).getByRole('button', { name: 'Open the authorization page' }));
    await flush();
    expect(wizard.textContent).toContain('acme.bitrix24.com is connected');
    expect(within(wizard).queryByLabelText('Address after allowing access')).toBeNull();
  });
});

describe('application portals elsewhere in the window', () => {
  it('a portal that needs reconnecting gets a banner; a refused handler a notice; a changed URL no "update the webhook" banner when every portal is an application', async () => {
    const api = new FakeMonitor({
      synthetic: 1,
      settings: { tokens: [] },
      status: {
        tunnel: { status: 'online', url: 'https://b24dm-new.loca.lt', urlChanged: true, previousUrl: 'https://b24dm-old.loca.lt', since: BASE_TIME },
        apps: [app({ status: 'reconnect-needed', statusReason: 'invalid_grant' }), app({ domain: 'nord.bitrix24.de', handlerRefused: true })],
      },
    });
    await renderApp(api);
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts.some((text) => text?.startsWith('Reconnect acme.bitrix24.com: invalid_grant'))).toBe(true);
    expect(alerts.some((text) => text?.includes('update'))).toBe(false);
    expect(screen.getByText(/nord\.bitrix24\.de refused a handler on the current URL/)).toBeTruthy();
  });

  it('shows who deleted and the portal\'s type names, "automation" for an application portal\'s deletion without a user', async () => {
    const api = new FakeMonitor({
      records: [
        makeRecord(1, { portal: 'acme.bitrix24.com', userId: 7, userName: 'Ivan Petrov', entityTypeId: 1038, entityTypeName: 'Equipment purchase' }),
        makeRecord(2, { portal: 'acme.bitrix24.com', userId: null, byUser: false }),
        makeRecord(3, { portal: 'webhook.bitrix24.com', userId: null, byUser: false }),
        makeRecord(4, { portal: 'acme.bitrix24.com', userId: 12 }),
      ],
      status: { apps: [app()] },
    });
    await renderApp(api);
    const cells = (itemSeq: number) => {
      const row = document.querySelector(`[data-id="${api.all().find((r) => r.seq === itemSeq)!.id}"]`)!;
      return { type: row.querySelector('.col-type')!.textContent, user: row.querySelector('.col-user')!.textContent };
    };
    expect(cells(1)).toEqual({ type: 'Equipment purchase', user: 'Ivan Petrov' });
    expect(cells(2).user).toBe('automation');
    expect(cells(3).user).toBe('—');
    expect(cells(4).user).toBe('12');
    // The entity type picker names the type as the portal does.
    expect([...(screen.getByLabelText('Entity type') as HTMLSelectElement).options].map((o) => o.textContent)).toContain('Equipment purchase (1038)');
  });

  it('shows each portal’s snapshot backfill: reading with a progress bar, paused with the reason, done', async () => {
    const types = [{ entityTypeId: 2, done: 12_500, total: 100_000, finished: false }];
    const api = new FakeMonitor({
      synthetic: 1,
      status: {
        apps: [
          app({ backfill: { status: 'running', done: 12_500, total: 100_000, types, startedAt: BASE_TIME, finishedAt: null, reason: null } }),
          app({ domain: 'slow.bitrix24.com', backfill: { status: 'paused', done: 50, total: 80, types, startedAt: BASE_TIME, finishedAt: null, reason: 'QUERY_LIMIT_EXCEEDED, retrying in 30 s' } }),
          app({ domain: 'done.bitrix24.com', backfill: { status: 'done', done: 2_000, total: 2_000, types, startedAt: BASE_TIME, finishedAt: BASE_TIME, reason: null } }),
          app({ domain: 'new.bitrix24.com', status: 'install-expected' }),
        ],
      },
    });
    await openSettings(api);
    const rows = within(screen.getByRole('region', { name: 'Portals connected as applications' })).getAllByRole('row').slice(1);
    const snapshots = rows.map((row) => row.querySelectorAll('td')[4]!.textContent);
    expect(snapshots).toEqual([
      'reading items: 12,500 of 100,000 (12%)',
      'paused at 50 of 80: QUERY_LIMIT_EXCEEDED, retrying in 30 s',
      '2,000 items kept, updated as they change',
      'not started yet',
    ]);
    expect((rows[0]!.querySelector('progress') as HTMLProgressElement).value).toBe(12);
  });
});
