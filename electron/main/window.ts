/**
 * The main window: hidden until its first paint, sandboxed with context isolation, sized and placed as
 * the user left it, and hidden (not closed) by its close button so the monitor keeps recording.
 */
import { BrowserWindow, screen } from 'electron';
import { PRODUCT_NAME } from '../core/paths.js';
import { describeError, silentLogger, type Logger } from '../core/util/logger.js';
import { DurableJsonFile } from '../core/store/durable-json-file.js';
import { MIN_SIZE, loadWindowState, type WindowState } from './window-state.js';

export interface MainWindowOptions {
  /** The CommonJS preload bundle. */
  preload: string;
  /** The renderer's index.html. */
  rendererIndex: string;
  /** The JSON file that keeps size and position. */
  stateFile: string;
  /** Start in the tray (`--hidden`): load the page but do not show it. */
  hidden: boolean;
  /** The window and taskbar icon on Linux, where nothing else gives the window one. */
  icon?: string;
  /** True once the app is quitting: close then really closes instead of hiding. */
  isQuitting: () => boolean;
  log?: Logger;
}

/** Creates and loads the main window; it shows itself on 'ready-to-show' unless started hidden. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const log = options.log ?? silentLogger;
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const state = loadWindowState(options.stateFile, displays);
  const win = new BrowserWindow({
    show: false,
    title: PRODUCT_NAME,
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : { center: true }),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    backgroundColor: '#ffffff',
    ...(options.icon && process.platform === 'linux' && { icon: options.icon }),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click would otherwise try to open links in new windows.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (state.maximized) win.maximize();

  win.once('ready-to-show', () => {
    if (!options.hidden) win.show();
  });

  let saveTimer: NodeJS.Timeout | null = null;
  const currentState = (): WindowState => {
    const bounds = win.getNormalBounds();
    return { ...bounds, maximized: win.isMaximized() };
  };
  // Temp file + rename, one write at a time (hide, then quit, start two); a lost window size is no
  // loss worth an fsync.
  const stateFile = new DurableJsonFile<WindowState>(options.stateFile, { fsync: false });
  const save = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    if (win.isDestroyed() || win.isMinimized()) return;
    stateFile.write(currentState()).catch((error) => log.warn(`window state not saved: ${describeError(error)}`));
  };
  const saveSoon = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('close', (event) => {
    save();
    if (!options.isQuitting()) {
      event.preventDefault();
      win.hide();
    }
  });

  win.loadFile(options.rendererIndex).catch((error) => log.error(`renderer did not load: ${describeError(error)}`));
  return win;
}

/** Shows, restores and focuses a window (tray, second instance, notification click). */
export function showWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
