import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { MENU_COMMAND_CHANNEL } from '../../../electron/main/ipc-channels.js';
import { menuTemplate, setupMenu } from '../../../electron/main/menu.js';
import { FakeBrowserWindow, Menu, electronMock, shell } from '../../helpers/electron-mock.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

beforeEach(() => electronMock.reset());

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

describe('application menu', () => {
  it('has the usual roles plus Find (CmdOrCtrl+F) and Export (CmdOrCtrl+E)', () => {
    for (const isMac of [true, false]) {
      const items = flatten(menuTemplate({ send: () => undefined, quit: () => undefined, isMac }));
      const roles = items.map((i) => i.role).filter(Boolean);
      for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'reload', 'zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen', 'minimize']) {
        expect(roles, `${role} (mac: ${isMac})`).toContain(role);
      }
      const accelerators = Object.fromEntries(items.filter((i) => i.accelerator).map((i) => [i.accelerator, i.label]));
      expect(accelerators['CmdOrCtrl+F']).toBe('&Find…');
      expect(accelerators['CmdOrCtrl+E']).toBe('&Export CSV…');
      expect(items.some((i) => /^(E&xit|Quit )/.test(i.label ?? ''))).toBe(true);
    }
  });

  it('sends Find and Export to the window page on the menu-command channel', () => {
    const win = new FakeBrowserWindow({});
    const quits: number[] = [];
    setupMenu(() => win as never, () => quits.push(1));
    const menu = Menu.applicationMenu!;
    (menu.item('&Find…')!.click as () => void)();
    (menu.item('&Export CSV…')!.click as () => void)();
    expect(win.webContents.sent).toEqual([
      { channel: MENU_COMMAND_CHANNEL, args: ['find'] },
      { channel: MENU_COMMAND_CHANNEL, args: ['export'] },
    ]);
    const quit = menu.item('E&xit') ?? menu.item('Quit Bitrix24 Deletion Monitor');
    (quit!.click as () => void)();
    expect(quits).toHaveLength(1);
    win.destroy();
    expect(() => (menu.item('&Find…')!.click as () => void)()).not.toThrow();
  });

  it('opens its help link in the browser', () => {
    setupMenu(() => null, () => undefined);
    (Menu.applicationMenu!.item('Bitrix24 event handlers (REST docs)')!.click as () => void)();
    expect(shell.opened).toEqual(['https://apidocs.bitrix24.com/api-reference/events/index.html']);
  });
});
