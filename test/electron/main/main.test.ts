import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, type AppStatus } from '../../../electron/core/contract.js';
import { callChannel, type IpcResult } from '../../../electron/main/ipc-channels.js';
import { FakeBrowserWindow, Menu, Tray, app, electronMock, ipcMain, session } from '../../helpers/electron-mock.js';
import { lockDataDir } from '../../../electron/core/util/data-dir-lock.js';
import { tempDir } from '../../helpers/temp-dir.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);
// electron-log/main requires the real electron module (which would try to download its binary).
vi.mock('electron-log/main', () => {
  const lines: string[] = [];
  const log = {
    lines,
    transports: { file: { resolvePathFn: null as unknown, maxSize: 0, level: '' }, console: { level: '' as unknown } },
    errorHandler: { startCatching: () => undefined },
    info: (m: string) => lines.push(`info ${m}`),
    warn: (m: string) => lines.push(`warn ${m}`),
    error: (m: string) => lines.push(`error ${m}`),
  };
  return { default: log };
});

/** A data folder whose saved settings keep the tunnel off (no network in tests). */
function userDataWithoutTunnel(): string {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'settings.json'),
    JSON.stringify({
      format: 1,
      eventPort: 0,
      tunnel: { enabled: false, host: 'https://localtunnel.me', subdomain: 'b24dm-test' },
      retentionDays: null,
      notifications: true,
      language: 'system',
      autoStart: false,
      tokens: [],
      seenSeq: 0,
    }),
  );
  return dir;
}

describe('main entry', () => {
  it('starts the core on userData, wires window, IPC, tray and menu, and flushes the core on quit', async () => {
    electronMock.reset();
    const userData = userDataWithoutTunnel();
    app.paths = { userData, logs: path.join(userData, 'logs'), downloads: tempDir() };
    await import('../../../electron/main/main.js');
    expect(app.listenerCount('before-quit')).toBe(1);
    app.becomeReady();

    await vi.waitFor(() => expect(ipcMain.handlers.size).toBe(CALL_NAMES.length), { timeout: 10_000 });
    const win = FakeBrowserWindow.instances[0]!;
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(win.options.webPreferences!.preload).toMatch(/[\\/]preload[\\/]preload\.cjs$/);
    expect(win.loadedFile).toMatch(/[\\/]renderer[\\/]index\.html$/);
    // Linux gives a window no icon of its own: it is the app's, from the files packed beside dist/.
    expect(win.options.icon).toMatch(/[\\/]build[\\/]icons[\\/]256x256\.png$/);
    expect(existsSync(win.options.icon as string)).toBe(true);
    expect(Tray.instances).toHaveLength(1);
    expect(Menu.applicationMenu).not.toBeNull();
    expect(session.defaultSession.permissionRequestHandler).not.toBeNull();
    // Every web contents the app creates is guarded.
    expect(win.webContents.openWindow('https://evil.example/')).toEqual({ action: 'deny' });
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);

    const status = (await ipcMain.invokeAs({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, callChannel('getStatus'))) as IpcResult<'getStatus'>;
    expect(status.ok).toBe(true);
    expect((status as { result: AppStatus }).result.dataDir).toBe(userData);
    // Application mode is on in the desktop app: its secrets key is sealed by the OS keyring (safeStorage).
    expect((status as { result: AppStatus }).result.apps).toEqual([]);
    expect(existsSync(path.join(userData, 'app-key.safestorage.json'))).toBe(true);
    await expect(lockDataDir(userData)).rejects.toThrow(/another monitor \(desktop, pid \d+/);

    // Closing the window only hides it; quitting stops the core (releasing its lock) before exit.
    win.close();
    expect(win.isDestroyed()).toBe(false);
    app.quit();
    expect(app.quitCalls).toBe(0);
    await vi.waitFor(() => expect(app.quitCalls).toBe(1));
    (await lockDataDir(userData))();
    win.close();
    expect(win.isDestroyed()).toBe(true);
    // Closing saves the window state (temp file + rename) in the background: let it land before cleanup.
    await vi.waitFor(() => {
      expect(existsSync(path.join(userData, 'window-state.json'))).toBe(true);
      expect(existsSync(path.join(userData, 'window-state.json.tmp'))).toBe(false);
    });
  });
});
