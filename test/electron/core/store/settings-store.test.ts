import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERTS, SettingsStore } from '../../../../electron/core/store/settings-store.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('SettingsStore', () => {
  it('reads a settings file written before alerts existed, with the default rule, and keeps its other values', async () => {
    const dir = tempDir();
    const before = { format: 1, eventPort: 43111, tunnel: { enabled: false, host: 'https://localtunnel.me', subdomain: 'b24dm-old1' }, retentionDays: 90, notifications: false, language: 'ru', autoStart: false, tokens: [], seenSeq: 12 };
    writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(before));
    const store = await SettingsStore.open(dir, { fsync: false });
    expect(store.view).toMatchObject({ eventPort: 43111, retentionDays: 90, language: 'ru', alerts: DEFAULT_ALERTS });
    expect(store.seenSeq).toBe(12);
    expect(readFileSync(path.join(dir, 'settings.json'), 'utf8')).not.toContain('damaged');
  });

  it('changes part of the alert rule and refuses a webhook that is not https (or http on this computer)', async () => {
    const store = await SettingsStore.open(tempDir(), { fsync: false });
    expect((await store.update({ alerts: { threshold: 50 } })).alerts).toEqual({ ...DEFAULT_ALERTS, threshold: 50 });
    await expect(store.update({ alerts: { webhookUrl: 'http://chat.example.com/' } })).rejects.toThrow(/alerts\.webhookUrl/);
    expect(store.view.alerts.webhookUrl).toBeNull();
    // Per-portal rules: domains lower-cased, a bad domain or rule refused without changing anything.
    const perPortal = { 'Acme.Bitrix24.com': { enabled: true, threshold: 5, windowMinutes: 2 } };
    expect((await store.update({ alerts: { perPortal } })).alerts.perPortal).toEqual({ 'acme.bitrix24.com': { enabled: true, threshold: 5, windowMinutes: 2 } });
    await expect(store.update({ alerts: { perPortal: { 'not a domain': { enabled: true, threshold: 5, windowMinutes: 2 } } } })).rejects.toThrow(/alerts\.perPortal.*domain/);
    await expect(store.update({ alerts: { perPortal: { 'b.bitrix24.com': { enabled: true, threshold: 1, windowMinutes: 2 } } } })).rejects.toThrow(/alerts\.perPortal/);
    expect(Object.keys(store.view.alerts.perPortal ?? {})).toEqual(['acme.bitrix24.com']);
    expect((await store.update({ alerts: { perPortal: {} } })).alerts.perPortal).toEqual({});
  });
});
