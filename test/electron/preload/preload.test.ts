import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, type AppStatus, type DeletionRecord } from '../../../electron/core/contract.js';
import { MENU_COMMAND_CHANNEL } from '../../../electron/main/ipc-channels.js';
import { setupIpc } from '../../../electron/main/ipc.js';
import { setupMenu } from '../../../electron/main/menu.js';
import { startCore } from '../../helpers/core-harness.js';
import { FakeBrowserWindow, FakeWebFrameMain, Menu, contextBridge, dialog, electronMock } from '../../helpers/electron-mock.js';
import { SEED_TOKEN, fixture } from '../../helpers/fixtures.js';
import { postEvent } from '../../helpers/http-client.js';
import { tempDir } from '../../helpers/temp-dir.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

// Importing the preload runs it, as Electron would in the sandboxed renderer.
await import('../../../electron/preload/preload.js');
const api = contextBridge.exposed['monitor'] as import('../../../electron/preload/preload.js').PreloadApi;

const RENDERER_INDEX = path.resolve('/app/dist/renderer/index.html');
let dispose: (() => void) | null = null;

beforeEach(() => electronMock.reset());
afterEach(() => {
  dispose?.();
  dispose = null;
});

/** A real core behind setupIpc, with the preload living in the app window's main frame. */
async function connect(): Promise<{ win: FakeBrowserWindow; eventPort: number }> {
  const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
  const win = new FakeBrowserWindow({});
  await win.loadFile(RENDERER_INDEX);
  electronMock.renderer = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
  dispose = setupIpc({
    core,
    windows: () => [win as never],
    rendererUrl: pathToFileURL(RENDERER_INDEX).href,
    chooseExportPath: async () => ((await dialog.showSaveDialog()).canceled ? null : dialog.saveAnswer.filePath),
  });
  return { win, eventPort: port };
}

describe('preload', () => {
  it('exposes window.monitor with exactly the named contract methods, on, onMenuCommand and transport', () => {
    expect(api).toBeDefined();
    expect(Object.keys(api).sort()).toEqual([...CALL_NAMES, 'on', 'onMenuCommand', 'transport'].sort());
    expect(api.transport).toBe('ipc');
    for (const name of CALL_NAMES) expect(typeof api[name], name).toBe('function');
    for (const generic of ['send', 'invoke', 'ipcRenderer', 'call']) expect(generic in api).toBe(false);
  });

  it('calls the core through the IPC guard and unwraps the result', async () => {
    await connect();
    const status: AppStatus = await api.getStatus();
    expect(status.counts.total).toBe(0);
    expect(status.eventsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await api.updateSettings({ retentionDays: 7 })).retentionDays).toBe(7);
  });

  it('rejects with a plain { code, message } that survives the context bridge', async () => {
    await connect();
    const error = await api.queryDeletions({ filter: {}, offset: -1, limit: 10 }).catch((e: unknown) => e);
    expect(error).toEqual({ name: 'CoreError', code: 'BAD_ARGUMENTS', message: expect.stringContaining('queryDeletions') });
    expect(Object.getPrototypeOf(error)).toBe(Object.prototype);
    await expect(api.trustQuarantined({ id: '00000000-0000-4000-8000-000000000000', label: '' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('is refused when the page it serves is not our renderer', async () => {
    const { win } = await connect();
    electronMock.renderer = { sender: win.webContents, senderFrame: new FakeWebFrameMain('https://evil.example/') };
    await expect(api.getStatus()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    electronMock.renderer = { sender: win.webContents, senderFrame: new FakeWebFrameMain(win.webContents.getURL(), win.webContents.mainFrame) };
    await expect(api.getStatus()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('never sends a path for exportCsv: main asks with the save dialog', async () => {
    const { eventPort } = await connect();
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    const chosen = path.join(tempDir(), 'chosen.csv');
    dialog.saveAnswer = { canceled: false, filePath: chosen };
    expect(await api.exportCsv({ filter: {}, path: '/tmp/ignored-by-the-preload.csv' })).toEqual({ rows: 1, path: chosen });
    expect(readFileSync(chosen, 'utf8')).toContain('Smart process 1220');
    dialog.saveAnswer = { canceled: true, filePath: '' };
    await expect(api.exportCsv({ filter: {}, path: '' })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('delivers pushes to on() listeners until unsubscribed, without the IPC event', async () => {
    const { eventPort } = await connect();
    const received: DeletionRecord[][] = [];
    const off = api.on('deletionsAdded', (records) => received.push(records));
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]!.map((r) => r.itemId)).toEqual([23]);
    off();
    expect((await postEvent(eventPort, fixture('smart-invoice-delete-with-user.form'))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(1);
    expect(() => api.on('nonsense' as never, () => undefined)).toThrow(/unknown push/);
  });

  it('passes menu commands (Find, Export) to onMenuCommand listeners', async () => {
    const { win } = await connect();
    const commands: string[] = [];
    const off = api.onMenuCommand((command) => commands.push(command));
    setupMenu(() => win as never, () => undefined);
    const menu = Menu.applicationMenu!;
    const click = (label: string): void => (menu.item(label)!.click as () => void)();
    click('&Find…');
    click('&Export CSV…');
    win.webContents.send(MENU_COMMAND_CHANNEL, 'rm -rf');
    expect(commands).toEqual(['find', 'export']);
    off();
    click('&Find…');
    expect(commands).toHaveLength(2);
  });

  it('is bundled as CommonJS that requires nothing but electron', () => {
    const bundle = readFileSync('dist/preload/preload.cjs', 'utf8');
    const required = [...bundle.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required).toEqual(['electron']);
    expect(bundle).not.toMatch(/^\s*import\s/m);
    expect(bundle).not.toMatch(/\bimport\(/);
    expect(bundle).toContain('exposeInMainWorld("monitor"');
  });
});
