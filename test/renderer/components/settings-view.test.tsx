import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeMonitor } from '../helpers/fake-monitor';
import { flush, renderApp } from '../helpers/render';

async function openSettings(api = new FakeMonitor({ synthetic: 3 })) {
  const user = userEvent.setup();
  await renderApp(api);
  await user.click(screen.getByRole('button', { name: 'Settings' }));
  return { user, api };
}

describe('SettingsView', () => {
  it('shows the saved values', async () => {
    await openSettings();
    expect((screen.getByLabelText('Event port') as HTMLInputElement).value).toBe('0');
    expect((screen.getByLabelText('Give this computer a public URL through a tunnel') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Tunnel server') as HTMLInputElement).value).toBe('https://localtunnel.me');
    expect((screen.getByLabelText('Subdomain') as HTMLInputElement).value).toBe('b24dm-test');
    expect((screen.getByLabelText('Keep all') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Show a notification for new deletions') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Language') as HTMLSelectElement).value).toBe('en');
    expect(screen.getByLabelText('Start when I sign in to this computer')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save changes' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('checks fields, shows errors next to them and sends nothing invalid', async () => {
    const { user, api } = await openSettings();
    const port = screen.getByLabelText('Event port');
    await user.clear(port);
    await user.type(port, '70000');
    await user.tab();
    expect(screen.getByText('A whole number from 0 to 65535.')).toBeTruthy();
    expect(port.getAttribute('aria-invalid')).toBe('true');

    const host = screen.getByLabelText('Tunnel server');
    await user.clear(host);
    await user.type(host, 'localtunnel.me');
    const subdomain = screen.getByLabelText('Subdomain');
    await user.clear(subdomain);
    await user.type(subdomain, 'AB');
    await user.click(screen.getByLabelText('Keep the last'));
    const days = screen.getByLabelText('Number of days to keep');
    await user.clear(days);
    await user.type(days, '0');

    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByText('An http:// or https:// address.')).toBeTruthy();
    expect(screen.getByText(/4–63 lower-case Latin letters/)).toBeTruthy();
    expect(screen.getByText('A whole number of days from 1 to 36500.')).toBeTruthy();
    expect(document.activeElement).toBe(port);
    expect(api.callsOf('updateSettings')).toHaveLength(0);
  });

  it('sends only what changed and confirms', async () => {
    const { user, api } = await openSettings();
    const port = screen.getByLabelText('Event port');
    await user.clear(port);
    await user.type(port, '8080');
    await user.click(screen.getByLabelText('Keep the last'));
    const days = screen.getByLabelText('Number of days to keep');
    await user.clear(days);
    await user.type(days, '30');
    await user.click(screen.getByLabelText('Show a notification for new deletions'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await flush();
    expect(api.callsOf('updateSettings')).toEqual([[{ eventPort: 8080, retentionDays: 30, notifications: false }]]);
    expect(screen.getByText('Settings saved.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save changes' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows the core refusal next to the field it names', async () => {
    const { user, api } = await openSettings();
    const port = screen.getByLabelText('Event port');
    await user.clear(port);
    await user.type(port, '80');
    api.failNext('updateSettings', 'PORT_UNAVAILABLE', 'port 80 cannot be used: EACCES');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await flush();
    const describedBy = port.getAttribute('aria-describedby') ?? '';
    expect(describedBy).toContain('error');
    expect(document.getElementById(describedBy.split(' ').find((id) => id.endsWith('error'))!)!.textContent).toBe('port 80 cannot be used: EACCES');

    const host = screen.getByLabelText('Tunnel server');
    await user.clear(host);
    await user.type(host, 'https://lt.example.com');
    api.failNext('updateSettings', 'BAD_ARGUMENTS', 'updateSettings: tunnel.host must be an http(s) URL');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await flush();
    expect(host.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('updateSettings: tunnel.host must be an http(s) URL')).toBeTruthy();
  });

  it('hides auto-start in the dashboard', async () => {
    await openSettings(new FakeMonitor({ transport: 'http', synthetic: 1 }));
    expect(screen.queryByLabelText('Start when I sign in to this computer')).toBeNull();
  });

  it('lists tokens by fingerprint and removes one after a confirmation', async () => {
    const { user, api } = await openSettings();
    const table = screen.getByRole('table', { name: 'Application tokens' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.textContent).toContain('a1b2c3d4');
    expect(row.textContent).toContain('alpha.bitrix24.com');
    expect(row.textContent).toContain('Alpha');
    await user.click(within(row).getByRole('button', { name: 'Remove token a1b2c3d4' }));
    await user.click(within(row).getByRole('button', { name: 'Yes, remove' }));
    await flush();
    expect(api.callsOf('removeToken')).toEqual([[{ fingerprint: 'a1b2c3d4' }]]);
    expect(screen.getByText(/No tokens yet/)).toBeTruthy();
  });

  it('edits the mass-deletion rule and the team chat webhook, checked as typed', async () => {
    const { user, api } = await openSettings();
    expect((screen.getByLabelText('Deletions') as HTMLInputElement).value).toBe('20');
    expect((screen.getByLabelText('Within minutes') as HTMLInputElement).value).toBe('10');
    await user.clear(screen.getByLabelText('Deletions'));
    await user.type(screen.getByLabelText('Deletions'), '1');
    await user.type(screen.getByLabelText('Also post to a team chat (webhook URL, optional)'), 'http://chat.example.com/hook');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByText('A whole number from 2 to 100000.')).toBeTruthy();
    expect(screen.getByText('An https URL (or http on this computer), without a user name or password.')).toBeTruthy();
    expect(api.callsOf('updateSettings')).toHaveLength(0);

    await user.clear(screen.getByLabelText('Deletions'));
    await user.type(screen.getByLabelText('Deletions'), '50');
    await user.clear(screen.getByLabelText('Also post to a team chat (webhook URL, optional)'));
    await user.type(screen.getByLabelText('Also post to a team chat (webhook URL, optional)'), 'https://chat.example.com/hooks/b24');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await flush();
    expect(api.callsOf('updateSettings')).toEqual([[{ alerts: { threshold: 50, webhookUrl: 'https://chat.example.com/hooks/b24' } }]]);
  });

  it('gives single portals their own rule: suggested from the log, checked as typed, saved as a map', async () => {
    const { user, api } = await openSettings();
    await user.click(screen.getByRole('button', { name: 'Add a rule for a portal' }));
    const rules = screen.getByRole('list', { name: 'Rules for single portals' });
    const portal = within(rules).getByLabelText('Portal') as HTMLInputElement;
    const facets = await api.listFacets();
    expect(portal.value).toBe(facets.portals[0]); // the first portal of the log without a rule
    expect((within(rules).getByLabelText('Deletions') as HTMLInputElement).value).toBe('20');
    await user.click(screen.getByRole('button', { name: 'Add a rule for a portal' }));
    const second = within(rules).getAllByLabelText('Portal')[1] as HTMLInputElement;
    await user.clear(second);
    await user.type(second, 'not a domain');
    await user.clear(within(rules).getAllByLabelText('Deletions')[0]!);
    await user.type(within(rules).getAllByLabelText('Deletions')[0]!, '5');
    await user.clear(within(rules).getAllByLabelText('Within minutes')[0]!);
    await user.type(within(rules).getAllByLabelText('Within minutes')[0]!, '2');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(within(rules).getByText('Enter a domain such as example.bitrix24.com (without https://).')).toBeTruthy();
    expect(api.callsOf('updateSettings')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Remove the rule for not a domain' }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await flush();
    expect(api.callsOf('updateSettings')).toEqual([[{ alerts: { perPortal: { [facets.portals[0]!]: { enabled: true, threshold: 5, windowMinutes: 2 } } } }]]);
  });
});
