import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HIDDEN_FLAG, setupAutoStart } from '../../../electron/main/auto-start.js';
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
});
