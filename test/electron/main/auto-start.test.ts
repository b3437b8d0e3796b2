import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HIDDEN_FLAG, setupAutoStart, shouldStartHidden } from '../../../electron/main/auto-start.js';
import { app, electronMock } from '../../helpers/electron-mock.js';
import { FakeCore, settings } from './fake-core.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

beforeEach(() => electronMock.reset());

describe('start at login', () => {
  it('follows settings.autoStart, starting in the tray', async () => {
    const core = new FakeCore();
    const off = setupAutoStart(core.asShellCore());
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.loginItemCalls).toEqual([]);
    core.fire('settingsChanged', settings({ autoStart: true }));
    expect(app.loginItemCalls).toEqual([{ openAtLogin: true, args: [HIDDEN_FLAG] }]);
    core.fire('settingsChanged', settings({ autoStart: true, notifications: false }));
    expect(app.loginItemCalls).toHaveLength(1);
    core.fire('settingsChanged', settings({ autoStart: false }));
    expect(app.loginItemCalls.at(-1)).toEqual({ openAtLogin: false, args: [HIDDEN_FLAG] });
    off();
  });

  it('leaves the login items alone in a development run', async () => {
    app.isPackaged = false;
    const core = new FakeCore();
    setupAutoStart(core.asShellCore());
    core.fire('settingsChanged', settings({ autoStart: true }));
    expect(app.loginItemCalls).toEqual([]);
  });

  it('starts in the tray with --hidden (Windows login items pass it), or when macOS says it opened the app at login', () => {
    expect(shouldStartHidden(['electron', '.', HIDDEN_FLAG], 'win32')).toBe(true);
    expect(shouldStartHidden(['electron', '.'], 'win32')).toBe(false);
    // macOS gives login items no arguments: only wasOpenedAtLogin tells.
    expect(shouldStartHidden(['electron', '.'], 'darwin')).toBe(false);
    app.openedAtLogin = true;
    expect(shouldStartHidden(['electron', '.'], 'darwin')).toBe(true);
    // Elsewhere the flag is the only sign (Linux autostart entries pass it themselves).
    expect(shouldStartHidden(['electron', '.'], 'linux')).toBe(false);
  });
});
