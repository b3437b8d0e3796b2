import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, PUSH_NAMES, type AppStatus, type DeletionRecord } from '../../../electron/core/contract.js';
import { callChannel, pushChannel, type IpcResult } from '../../../electron/main/ipc-channels.js';
import { setupIpc } from '../../../electron/main/ipc.js';
import { startCore } from '../../helpers/core-harness.js';
import { FakeBrowserWindow, FakeWebContents, FakeWebFrameMain, dialog, electronMock, ipcMain } from '../../helpers/electron-mock.js';
import { SEED_TOKEN, fixture } from '../../helpers/fixtures.js';
import { postEvent } from '../../helpers/http-client.js';
import { tempDir } from '../../helpers/temp-dir.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

const RENDERER_INDEX = path.resolve('/app/dist/renderer/index.html');
const RENDERER_URL = pathToFileURL(RENDERER_INDEX).href;
let dispose: (() => void) | null = null;

beforeEach(() => electronMock.reset());
afterEach(() => {
  dispose?.();
  dispose = null;
});

async function setup(): Promise<{ win: FakeBrowserWindow; eventPort: number; core: Awaited<ReturnType<typeof startCore>>['core'] }> {
  const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
  const win = new FakeBrowserWindow({});
  await win.loadFile(RENDERER_INDEX);
  dispose = setupIpc({
    core,
    windows: () => [win as never],
    rendererUrl: RENDERER_URL,
    chooseExportPath: async () => {
      const answer = await dialog.showSaveDialog();
      return answer.canceled ? null : answer.filePath;
    },
  });
  return { win, eventPort: port, core };
}

const fromWindow = (win: FakeBrowserWindow) => ({ sender: win.webContents, senderFrame: win.webContents.mainFrame });
const invoke = (event: { sender: unknown; senderFrame: unknown }, name: (typeof CALL_NAMES)[number], ...args: unknown[]) =>
  ipcMain.invokeAs(event, callChannel(name), ...args) as Promise<IpcResult>;

describe('IPC transport', () => {
  it('registers one handler per contract call, and removes them all', async () => {
    await setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(CALL_NAMES.map((n) => `monitor:call:${n}`).sort());
    dispose!();
    dispose = null;
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('lets a call from the app window main frame reach the core', async () => {
    const { win, core } = await setup();
    const status = await invoke(fromWindow(win), 'getStatus');
    expect(status.ok).toBe(true);
    expect((status as { result: AppStatus }).result.eventsUrl).toBe(core.eventsUrl);
    const updated = await invoke(fromWindow(win), 'updateSettings', { notifications: false });
    expect(updated).toMatchObject({ ok: true, result: { notifications: false } });
    expect(await invoke(fromWindow(win), 'markSeen')).toEqual({ ok: true, result: null });
  });

  it('refuses calls from a foreign page, a subframe, another web contents, or a gone frame', async () => {
    const { win, core } = await setup();
    const foreignPage = new FakeWebFrameMain('https://evil.example/');
    const otherFile = new FakeWebFrameMain(pathToFileURL(path.resolve('/app/dist/renderer/other.html')).href);
    const subframe = new FakeWebFrameMain(RENDERER_URL, win.webContents.mainFrame);
    const stranger = new FakeWebContents();
    stranger.mainFrame.url = RENDERER_URL;
    for (const [label, event] of [
      ['foreign URL', { sender: win.webContents, senderFrame: foreignPage }],
      ['other file', { sender: win.webContents, senderFrame: otherFile }],
      ['subframe', { sender: win.webContents, senderFrame: subframe }],
      ['not an app window', { sender: stranger, senderFrame: stranger.mainFrame }],
      ['gone frame', { sender: win.webContents, senderFrame: null }],
    ] as const) {
      const answer = await invoke(event, 'updateSettings', { notifications: false });
      expect(answer, label).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    expect((await core.getSettings()).notifications).toBe(true);
    win.destroy();
    expect((await invoke(fromWindow(win), 'getStatus')).ok).toBe(false);
  });

  it('rejects bad arguments with BAD_ARGUMENTS before the core runs', async () => {
    const { win, core } = await setup();
    for (const [name, args] of [
      ['updateSettings', [{ eventPort: 99999 }]],
      ['updateSettings', [{ notifications: false, __proto__: { x: 1 }, extra: 1 }]],
      ['queryDeletions', [{ filter: {}, offset: 0, limit: 5000 }]],
      ['getStatus', ['unexpected']],
      ['addToken', [{ token: 'x', portal: null, label: '' }]],
      ['removeToken', []],
    ] as const) {
      const answer = await invoke(fromWindow(win), name, ...args);
      expect(answer, `${name} ${JSON.stringify(args)}`).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
    }
    expect((await core.getSettings()).eventPort).toBe(0);
  });

  it('carries core failures as typed results', async () => {
    const { win } = await setup();
    const answer = await invoke(fromWindow(win), 'trustQuarantined', { id: '00000000-0000-4000-8000-000000000000', label: 'x' });
    expect(answer).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'that request is no longer in the quarantine' } });
  });

  it('exports CSV only to the file the user picked in the save dialog', async () => {
    const { win, eventPort } = await setup();
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    const planted = path.join(tempDir(), 'planted.csv');
    const withPath = await invoke(fromWindow(win), 'exportCsv', { filter: {}, path: planted });
    expect(withPath).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
    expect(dialog.saveCalls).toHaveLength(0);

    const cancelled = await invoke(fromWindow(win), 'exportCsv', { filter: {} });
    expect(cancelled).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });

    const chosen = path.join(tempDir(), 'chosen.csv');
    dialog.saveAnswer = { canceled: false, filePath: chosen };
    const done = await invoke(fromWindow(win), 'exportCsv', { filter: { entityTypeId: 1220 } });
    expect(done).toEqual({ ok: true, result: { rows: 1, path: chosen } });
    expect(readFileSync(chosen, 'utf8')).toContain('some-domain.bitrix24.com');
    expect(existsSync(planted)).toBe(false);
    // The page's language reaches the file; a path still never does.
    const russian = path.join(tempDir(), 'ru.csv');
    dialog.saveAnswer = { canceled: false, filePath: russian };
    expect(await invoke(fromWindow(win), 'exportCsv', { filter: {}, language: 'ru' })).toEqual({ ok: true, result: { rows: 1, path: russian } });
    expect(readFileSync(russian, 'utf8')).toMatch(/^\uFEFFПолучено \(UTC\),/);
    expect(await invoke(fromWindow(win), 'exportCsv', { filter: {}, language: 'de' })).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
  });

  it('forwards pushes to app windows showing our page only', async () => {
    const { win, eventPort } = await setup();
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    await vi.waitFor(() => expect(win.webContents.sent.some((m) => m.channel === pushChannel('deletionsAdded'))).toBe(true));
    const added = win.webContents.sent.find((m) => m.channel === pushChannel('deletionsAdded'))!.args[0] as DeletionRecord[];
    expect(added.map((r) => r.itemId)).toEqual([23]);
    expect(win.webContents.sent.every((m) => PUSH_NAMES.some((n) => m.channel === pushChannel(n)))).toBe(true);

    win.webContents.mainFrame.url = 'https://evil.example/';
    const before = win.webContents.sent.length;
    expect((await postEvent(eventPort, fixture('smart-invoice-delete-with-user.form'))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(win.webContents.sent.length).toBe(before);
  });
});
