import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortalAppState } from '../../../electron/core/contract.js';
import { catchAuthorizationRedirect } from '../../../electron/main/authorize-window.js';
import { setupIpc, type ShellCore } from '../../../electron/main/ipc.js';
import { callChannel, type IpcResult } from '../../../electron/main/ipc-channels.js';
import { guardWebContents } from '../../../electron/main/web-security.js';
import { FakeBrowserWindow, FakeWebContents, app, electronMock, ipcMain, shell } from '../../helpers/electron-mock.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

const AUTHORIZE = 'https://acme.bitrix24.com/oauth/authorize/?client_id=local.abc.123&state=5eed5eed';

// As main.ts does: every web contents the app creates is locked down (registered once for the file).
app.on('web-contents-created', (_event: unknown, contents: FakeWebContents) => guardWebContents(contents as never));
beforeEach(() => electronMock.reset());

function authorizationWindow(): FakeBrowserWindow {
  return FakeBrowserWindow.instances.at(-1)!;
}

describe('the authorization window (install event missed)', () => {
  it('moves within Bitrix24 only, and catches the redirect with our state before it loads', async () => {
    const caught = catchAuthorizationRedirect(AUTHORIZE);
    const win = authorizationWindow();
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(win.loadedUrl).toBe(AUTHORIZE);
    // The portal's login, Bitrix24's OAuth pages: allowed.
    expect(win.webContents.navigate('https://acme.bitrix24.com/auth/?backurl=%2Foauth%2Fauthorize%2F')).toBe(false);
    expect(win.webContents.redirect('https://oauth.bitrix.info/oauth/authorize/?x=1')).toBe(false);
    // Anything else: refused, and not handed to the system browser either.
    for (const url of ['https://evil.example/', 'http://acme.bitrix24.com/', 'https://user:pw@acme.bitrix24.com/', 'https://bitrix24.com.evil.example/', 'file:///etc/passwd']) {
      expect(win.webContents.navigate(url), url).toBe(true);
    }
    expect(shell.opened).toEqual([]);
    // A redirect carrying a code but another state is not ours.
    expect(win.webContents.redirect('https://b24dm-x.loca.lt/?code=c0de&state=other')).toBe(true);
    // The portal sends the browser to the handler path with the code: caught, never loaded.
    const target = 'https://b24dm-x.loca.lt/?code=c0de&state=5eed5eed&domain=acme.bitrix24.com&server_domain=oauth.bitrix.info';
    expect(win.webContents.redirect(target)).toBe(true);
    expect(await caught).toBe(target);
    expect(win.isDestroyed()).toBe(true);
  });

  it('resolves null when the user closes the window, and leaves the other windows locked down', async () => {
    const main = new FakeBrowserWindow();
    const caught = catchAuthorizationRedirect(AUTHORIZE);
    authorizationWindow().close();
    expect(await caught).toBeNull();
    expect(main.webContents.navigate('https://acme.bitrix24.com/')).toBe(true);
    expect(shell.opened).toEqual(['https://acme.bitrix24.com/']);
  });

  it('over IPC, authorizePortalApp opens the page and finishes with the caught address', async () => {
    const connected: PortalAppState = { domain: 'acme.bitrix24.com', clientId: 'local.abc.123', status: 'connected', statusReason: null, connectedAt: 1, handlerUrl: null, handlerRefused: false, lastDrain: null };
    const completed: unknown[] = [];
    const core = {
      authorizePortalApp: async () => ({ url: AUTHORIZE, connected: null }),
      completePortalAppAuthorization: async (args: unknown) => (completed.push(args), connected),
      on: () => () => undefined,
    } as unknown as ShellCore;
    const win = new FakeBrowserWindow();
    await win.loadFile('/app/dist/renderer/index.html');
    setupIpc({
      core,
      windows: () => [win as never],
      rendererUrl: 'file:///app/dist/renderer/index.html',
      chooseExportPath: async () => null,
      catchAuthorization: async (url) => (url === AUTHORIZE ? 'https://b24dm-x.loca.lt/?code=c0de&state=5eed5eed' : null),
    });
    const answer = (await ipcMain.invokeAs({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, callChannel('authorizePortalApp'), { domain: 'acme.bitrix24.com' })) as IpcResult<'authorizePortalApp'>;
    expect(answer).toEqual({ ok: true, result: { url: AUTHORIZE, connected } });
    expect(completed).toEqual([{ domain: 'acme.bitrix24.com', redirected: 'https://b24dm-x.loca.lt/?code=c0de&state=5eed5eed' }]);
  });
});
