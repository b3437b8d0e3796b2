import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { act } from 'react';
import { BASE_TIME, FakeMonitor, fakeFingerprint, makeRecord } from '../helpers/fake-monitor';
import { flush, renderApp } from '../helpers/render';

function firstRun(extra: ConstructorParameters<typeof FakeMonitor>[0] = {}): FakeMonitor {
  return new FakeMonitor({ settings: { tokens: [] }, ...extra });
}

describe('SetupGuide', () => {
  it('opens by itself on first run (no tokens, empty log) with the steps, URL and events', async () => {
    await renderApp(firstRun());
    expect(screen.getByRole('heading', { name: 'Connect your Bitrix24 portal' })).toBeTruthy();
    expect(screen.getByText('Applications → Developer resources → Ready-made scenarios → Other → Outgoing webhook')).toBeTruthy();
    const main = within(screen.getByRole('main'));
    expect(main.getByText('https://b24dm-test.loca.lt')).toBeTruthy();
    expect(main.getByRole('button', { name: 'Copy Handler URL' })).toBeTruthy();
    const events = within(screen.getByRole('list', { name: 'Deletion events' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(events).toEqual([
      'ONCRMDYNAMICITEMDELETE',
      'ONCRMLEADDELETE',
      'ONCRMDEALDELETE',
      'ONCRMCONTACTDELETE',
      'ONCRMCOMPANYDELETE',
      'ONCRMQUOTEDELETE',
      'ONCRMINVOICEDELETE',
    ]);
  });

  it('does not open by itself once set up, but the header button reaches it', async () => {
    const user = userEvent.setup();
    await renderApp(new FakeMonitor({ synthetic: 5 }));
    expect(screen.queryByRole('heading', { name: 'Connect your Bitrix24 portal' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Setup guide' }));
    expect(screen.getByRole('heading', { name: 'Connect your Bitrix24 portal' })).toBeTruthy();
  });

  it('explains what to do when the tunnel is off', async () => {
    await renderApp(firstRun({ status: { tunnel: { status: 'off' } } }));
    expect(screen.getByText(/The tunnel is off, so this computer has no public URL/).textContent).toContain('http://127.0.0.1:43111/');
  });

  it('checks the token, adds it with the portal, and shows only its fingerprint', async () => {
    const user = userEvent.setup();
    const api = firstRun();
    await renderApp(api);
    const token = screen.getByLabelText('Application token') as HTMLInputElement;
    expect(token.type).toBe('password');

    await user.click(screen.getByRole('button', { name: 'Add token' }));
    expect(screen.getByText('Too short: a token has at least 8 characters.')).toBeTruthy();
    expect(api.callsOf('addToken')).toHaveLength(0);
    expect(document.activeElement).toBe(token);

    await user.type(token, 'has spaces in it');
    await user.click(screen.getByRole('button', { name: 'Add token' }));
    expect(screen.getByText(/A token has no spaces/)).toBeTruthy();

    await user.clear(token);
    const secret = 'r4nd0mApplicationT0ken';
    await user.type(token, secret);
    await user.type(screen.getByLabelText('Portal address'), 'https://Example.bitrix24.com/crm/');
    await user.type(screen.getByLabelText('Label (optional)'), 'Main portal');
    await user.click(screen.getByRole('button', { name: 'Add token' }));
    await flush();

    expect(api.callsOf('addToken')).toEqual([[{ token: secret, portal: 'example.bitrix24.com', label: 'Main portal' }]]);
    expect(screen.getByText(`Token ${fakeFingerprint(secret)} added.`)).toBeTruthy();
    expect(token.value).toBe('');
    expect(document.body.textContent).not.toContain(secret);
    expect(screen.getByText('This monitor accepts 1 token.')).toBeTruthy();
  });

  it('shows the core refusal of a token', async () => {
    const user = userEvent.setup();
    const api = firstRun();
    await renderApp(api);
    api.failNext('addToken', 'BAD_ARGUMENTS', 'addToken: portal must be a domain like example.bitrix24.com');
    await user.type(screen.getByLabelText('Application token'), 'abcdefgh12');
    await user.click(screen.getByRole('button', { name: 'Add token' }));
    await flush();
    expect(screen.getByRole('alert').textContent).toContain('addToken: portal must be a domain like example.bitrix24.com');
  });

  it('sends a test event and shows how it went and the row that arrived', async () => {
    const user = userEvent.setup();
    const api = firstRun();
    await renderApp(api);
    await user.click(screen.getByRole('button', { name: 'Send a test event' }));
    await flush();
    expect(screen.getByText(/^The test deletion arrived through the public URL: status 200, 87 ms\. It is marked as a test event/)).toBeTruthy();
    const row = screen.getByRole('table', { name: 'The stored test deletion' });
    expect(row.textContent).toContain('424242');
    expect(row.textContent).toContain('self-test.invalid');
    expect(row.textContent).toContain('Deal');
  });

  it('reports a test event that did not arrive', async () => {
    const user = userEvent.setup();
    const api = firstRun({ status: { tunnel: { status: 'off' } } });
    api.sendTestEvent = async () => ({ via: 'local', status: 401, record: null, elapsedMs: 12 });
    await renderApp(api);
    await user.click(screen.getByRole('button', { name: 'Send a test event' }));
    await flush();
    expect(screen.getByRole('alert').textContent).toBe('Sent to the local listener (no tunnel): status 401 after 12 ms, but the deletion was not stored.');
  });

  it('opens on the log when this run accepts tokens given on the command line (serve --token)', async () => {
    await renderApp(firstRun({ status: { tokensForRun: 1 } }));
    expect(screen.queryByRole('heading', { name: 'Connect your Bitrix24 portal' })).toBeNull();
    expect(document.querySelector('main')?.dataset['view']).toBe('log');
  });

  it('shows the first deletion that arrives from a portal, with a way to the log; a test deletion does not count', async () => {
    const user = userEvent.setup();
    const api = firstRun();
    await renderApp(api);
    expect(screen.getByText(/^Waiting for the first deletion/).textContent).toBe('Waiting for the first deletion from your portal: delete a test item in Bitrix24 and it shows here.');

    await user.click(screen.getByRole('button', { name: 'Send a test event' }));
    await flush();
    expect(screen.queryByRole('heading', { name: 'It works: the first deletion from your portal arrived' })).toBeNull();
    expect(screen.getByText(/It is marked as a test event and left out of counts and exports\./)).toBeTruthy();

    act(() => void api.addDeletions(1, () => ({ event: 'ONCRMDEALDELETE', entityTypeId: 2, itemId: 4512, portal: 'acme.bitrix24.com' })));
    const card = screen.getByRole('region', { name: 'It works: the first deletion from your portal arrived' });
    const cells = within(card).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toEqual(['ONCRMDEALDELETE', 'Deal', '4512', 'acme.bitrix24.com']);
    // A second deletion does not replace the first.
    act(() => void api.addDeletions(1, () => ({ itemId: 99, portal: 'acme.bitrix24.com' })));
    expect(within(card).getAllByRole('cell').map((c) => c.textContent)).toContain('4512');

    await user.click(within(card).getByRole('button', { name: 'Open the deletion log' }));
    expect(document.querySelector('main')?.dataset['view']).toBe('log');
  });

  it('shows a request refused for its token while the guide is open, and trusts the token from there', async () => {
    const user = userEvent.setup();
    const old = { id: '00000000-0000-4000-8000-000000000001', receivedAt: BASE_TIME - 60_000, portal: 'old.bitrix24.com', event: 'ONCRMLEADDELETE', tokenFp: '11112222', itemId: 1, entityTypeId: 1 };
    const entry = { id: '00000000-0000-4000-8000-000000000002', receivedAt: BASE_TIME, portal: 'acme.bitrix24.com', event: 'ONCRMDEALDELETE', tokenFp: 'c0ffee12', itemId: 4512, entityTypeId: 2 };
    const api = firstRun({ quarantine: [old], quarantinedRecords: { [entry.id]: [makeRecord(1, { portal: 'acme.bitrix24.com', itemId: 4512, entityTypeId: 2, event: 'ONCRMDEALDELETE' })] } });
    await renderApp(api);
    // What was refused before the guide opened is not news.
    expect(screen.queryByRole('region', { name: /A request arrived/ })).toBeNull();

    act(() => {
      api.quarantine = [old, entry];
      api.emit('quarantineChanged', api.quarantine);
    });
    const card = screen.getByRole('region', { name: 'A request arrived, but its application token is not one this monitor accepts' });
    expect(card.textContent).toContain('ONCRMDEALDELETE from acme.bitrix24.com, token c0ffee12.');
    await user.click(within(card).getByRole('button', { name: 'Trust this token' }));
    expect((screen.getByLabelText('Label') as HTMLInputElement).value).toBe('acme.bitrix24.com');
    await user.click(screen.getByRole('button', { name: 'Trust' }));
    await flush();
    expect(api.callsOf('trustQuarantined')).toEqual([[{ id: entry.id, label: 'acme.bitrix24.com' }]]);
    // The moved deletion is the first one to arrive.
    const first = screen.getByRole('region', { name: 'It works: the first deletion from your portal arrived' });
    expect(within(first).getAllByRole('cell').map((c) => c.textContent)).toContain('4512');
  });
});
