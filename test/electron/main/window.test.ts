import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMainWindow, showWindow } from '../../../electron/main/window.js';
import { DEFAULT_WINDOW_STATE, validateWindowState } from '../../../electron/main/window-state.js';
import { FakeBrowserWindow, electronMock } from '../../helpers/electron-mock.js';
import { tempDir } from '../../helpers/temp-dir.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

beforeEach(() => electronMock.reset());

function open(options: { hidden?: boolean; quitting?: () => boolean; stateFile?: string } = {}): { win: FakeBrowserWindow; stateFile: string } {
  const stateFile = options.stateFile ?? path.join(tempDir(), 'window-state.json');
  const win = createMainWindow({
    preload: '/app/dist/preload/preload.cjs',
    rendererIndex: '/app/dist/renderer/index.html',
    stateFile,
    hidden: options.hidden ?? false,
    isQuitting: options.quitting ?? (() => false),
  }) as unknown as FakeBrowserWindow;
  return { win, stateFile };
}

describe('main window', () => {
  it('is sandboxed with context isolation, no Node, web security on, and our preload', () => {
    const { win } = open();
    const prefs = win.options.webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.disableBlinkFeatures).toBe('Auxclick');
    expect(prefs.preload).toBe('/app/dist/preload/preload.cjs');
    expect(win.loadedFile).toBe('/app/dist/renderer/index.html');
    expect(win.webContents.getURL()).toBe('file:///app/dist/renderer/index.html');
  });

  it('opens hidden and shows on ready-to-show, unless started in the tray', () => {
    const { win } = open();
    expect(win.options.show).toBe(false);
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);

    const { win: tray } = open({ hidden: true });
    tray.emit('ready-to-show');
    expect(tray.visible).toBe(false);
    tray.minimized = true;
    showWindow(tray as never);
    expect(tray.visible && tray.focused && !tray.minimized).toBe(true);
  });

  it('hides on close while running, closes when quitting', () => {
    let quitting = false;
    const { win } = open({ quitting: () => quitting });
    win.emit('ready-to-show');
    win.close();
    expect(win.isDestroyed()).toBe(false);
    expect(win.visible).toBe(false);
    quitting = true;
    win.close();
    expect(win.isDestroyed()).toBe(true);
  });

  it('keeps size and position in a JSON file and restores them', async () => {
    const { win, stateFile } = open({ quitting: () => true });
    win.setBounds({ x: 50, y: 60, width: 1000, height: 700 });
    win.close();
    await vi.waitFor(() => expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ x: 50, y: 60, width: 1000, height: 700, maximized: false }));
    const { win: again } = open({ stateFile });
    expect(again.options).toMatchObject({ x: 50, y: 60, width: 1000, height: 700 });
  });

  it('ignores a broken or hostile state file', () => {
    const stateFile = path.join(tempDir(), 'window-state.json');
    writeFileSync(stateFile, '{"width": "1e9", "height": -5, "x": {}');
    expect(open({ stateFile }).win.options).toMatchObject({ width: DEFAULT_WINDOW_STATE.width, height: DEFAULT_WINDOW_STATE.height, center: true });
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(validateWindowState({ width: 900, height: 600, x: 5000, y: 5000, maximized: true }, displays)).toEqual({ width: 900, height: 600, maximized: true });
    expect(validateWindowState({ width: 10, height: 20000, x: 0, y: 0 }, displays)).toEqual({ width: 720, height: 16384, x: 0, y: 0, maximized: false });
    expect(validateWindowState({ width: 1.5, height: 600 }, displays)).toEqual(DEFAULT_WINDOW_STATE);
    expect(validateWindowState({ width: 800, height: 99999999 }, displays)).toEqual(DEFAULT_WINDOW_STATE);
    expect(validateWindowState(null, displays)).toEqual(DEFAULT_WINDOW_STATE);
    expect(validateWindowState([], displays)).toEqual(DEFAULT_WINDOW_STATE);
  });
});
