import { beforeEach, describe, expect, it, vi } from 'vitest';
import { setupTray, trayIconBitmap, trayTooltip } from '../../../electron/main/tray.js';
import { Tray, clipboard, electronMock } from '../../helpers/electron-mock.js';
import { FakeCore, status } from './fake-core.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

beforeEach(() => electronMock.reset());

function start(core = new FakeCore()): { core: FakeCore; tray: Tray; shown: number[]; quits: number[] } {
  const shown: number[] = [];
  const quits: number[] = [];
  setupTray({ core: core.asShellCore(), showWindow: () => shown.push(1), quit: () => quits.push(1) });
  return { core, tray: Tray.instances.at(-1)!, shown, quits };
}

const click = (tray: Tray, label: string): void => (tray.menu!.item(label)!.click as () => void)();

describe('tray', () => {
  it('shows the unseen count in the tooltip and a red dot on the icon', async () => {
    const { core, tray } = start();
    await vi.waitFor(() => expect(tray.tooltip).toContain('no new deletions'));
    const plain = tray.image;
    core.fire('statusChanged', status({ counts: { total: 9, today: 9, unseen: 7, ignored: 0, rejected: 0 } }));
    expect(tray.tooltip).toBe('Bitrix24 Deletion Monitor: 7 new deletions (tunnel off)');
    expect(tray.image).not.toBe(plain);
    expect(trayTooltip(status({ counts: { total: 1, today: 1, unseen: 1, ignored: 0, rejected: 0 }, tunnelPaused: true }))).toContain('1 new deletion (tunnel paused)');
    // An application portal whose access ended: said in the tooltip, and the dot stays red without new deletions.
    const reconnect = status({ apps: [{ domain: 'acme.bitrix24.com', clientId: 'local.1', status: 'reconnect-needed', statusReason: 'invalid_grant', connectedAt: 1, handlerUrl: null, handlerRefused: false, lastDrain: null }] });
    expect(trayTooltip(reconnect)).toBe('Bitrix24 Deletion Monitor: no new deletions (tunnel off); reconnect acme.bitrix24.com');
    core.fire('statusChanged', status());
    const calm = tray.image;
    core.fire('statusChanged', reconnect);
    expect(tray.image).not.toBe(calm);
    // A mass deletion raised within the hour: named in the tooltip, the dot red.
    core.fire('statusChanged', status());
    const burst = status({ alerts: [{ id: 'b', portal: 'acme.bitrix24.com', userId: 7, count: 25, firstAt: 0, lastAt: 120_000, raisedAt: Date.now(), threshold: 20, windowMinutes: 10 }] });
    expect(trayTooltip(burst)).toBe('Bitrix24 Deletion Monitor: no new deletions (tunnel off); mass deletion on acme.bitrix24.com (25)');
    core.fire('statusChanged', burst);
    expect(tray.image).not.toBe(calm);
    expect(trayTooltip(status({ alerts: [{ ...burst.alerts[0]!, raisedAt: Date.now() - 2 * 3_600_000 }] }))).not.toContain('mass deletion');
  });

  it('draws its icon in code: a disc, plus a red dot when alerting', () => {
    const red = (bitmap: Buffer): number => {
      let n = 0;
      for (let i = 0; i < bitmap.length; i += 4) if (bitmap[i + 2]! > 200 && bitmap[i]! < 100 && bitmap[i + 3]! > 0) n++;
      return n;
    };
    expect(trayIconBitmap(16, false)).toHaveLength(16 * 16 * 4);
    expect(red(trayIconBitmap(32, false))).toBe(0);
    expect(red(trayIconBitmap(32, true))).toBeGreaterThan(20);
  });

  it('has Show, Copy public URL, Pause/Resume tunnel and Quit', async () => {
    const { core, tray, shown, quits } = start();
    await vi.waitFor(() => expect(tray.menu).not.toBeNull());
    expect(tray.menu!.template.filter((i) => i.type !== 'separator').map((i) => i.label)).toEqual(['Show', 'Copy public URL', 'Pause tunnel', 'Quit']);
    expect(tray.menu!.item('Copy public URL')!.enabled).toBe(false);
    expect(tray.menu!.item('Pause tunnel')!.enabled).toBe(false);

    const url = 'https://b24dm-test.loca.lt';
    core.fire('statusChanged', status({ tunnel: { status: 'online', url, urlChanged: false, previousUrl: null, since: 1 } }));
    click(tray, 'Copy public URL');
    expect(clipboard.text).toBe(url);
    click(tray, 'Pause tunnel');
    await vi.waitFor(() => expect(tray.menu!.item('Resume tunnel')).toBeDefined());
    click(tray, 'Resume tunnel');
    expect(core.pausedCalls).toEqual([true, false]);

    click(tray, 'Show');
    tray.emit('click');
    click(tray, 'Quit');
    expect(shown).toHaveLength(2);
    expect(quits).toHaveLength(1);
  });
});
