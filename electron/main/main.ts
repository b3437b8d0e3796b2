/**
 * The Electron entry: one instance, the core on the per-user data folder, then the window and the
 * shell's features in order. Closing the window hides it (the monitor keeps recording); quitting
 * flushes the core before the process exits.
 */
import path from 'node:path';
import { app, dialog, session, type BrowserWindow } from 'electron';
import { MonitorCore } from '../core/monitor-core.js';
import { PRODUCT_NAME } from '../core/paths.js';
import { describeError, silentLogger, type Logger } from '../core/util/logger.js';
import { APP_VERSION } from '../core/version.js';
import { csvFileName } from '../core/dashboard/csv-download.js';
import { appPaths } from './app-paths.js';
import { safeStorageKeyProvider } from './app-secrets-key.js';
import { setupAutoStart, shouldStartHidden } from './auto-start.js';
import { setupIpc } from './ipc.js';
import { catchAuthorizationRedirect } from './authorize-window.js';
import { createShellLogger } from './logging.js';
import { setupMenu } from './menu.js';
import { setupNotifications } from './notifications.js';
import { setupTray } from './tray.js';
import { createMainWindow, showWindow } from './window.js';
import { guardWebContents, setupSessionSecurity } from './web-security.js';

let mainWindow: BrowserWindow | null = null;
let core: MonitorCore | null = null;
let log: Logger = silentLogger;
let quitting = false;
/** The core's stop, once quitting began; the process exits only after it settles. */
let stopping: Promise<void> | null = null;
let flushed = false;

/** Opens the core, then the window, IPC, tray, menu, notifications and auto-start. */
async function start(): Promise<void> {
  setupSessionSecurity(session.defaultSession, log);
  // Asked once the app is ready: macOS answers wasOpenedAtLogin only then.
  const startHidden = shouldStartHidden();
  const paths = appPaths();
  try {
    const dataDir = app.getPath('userData');
    core = await MonitorCore.start({
      dataDir,
      log,
      version: APP_VERSION,
      instanceKind: 'desktop',
      // Application mode: a connected portal's secrets are sealed with a key the OS keyring protects.
      apps: { keys: safeStorageKeyProvider(dataDir, log) },
    });
  } catch (error) {
    log.error(`core did not start: ${describeError(error)}`);
    dialog.showErrorBox(PRODUCT_NAME, `The monitor cannot start:\n${describeError(error)}`);
    flushed = true;
    app.exit(1);
    return;
  }
  const running = core;
  const show = (): void => showWindow(mainWindow);
  const quit = (): void => app.quit();

  mainWindow = createMainWindow({
    preload: paths.preload,
    rendererIndex: paths.rendererIndex,
    icon: paths.windowIcon,
    stateFile: path.join(app.getPath('userData'), 'window-state.json'),
    hidden: startHidden,
    isQuitting: () => quitting,
    log,
  });
  setupIpc({
    core: running,
    windows: () => (mainWindow ? [mainWindow] : []),
    rendererUrl: paths.rendererUrl,
    chooseExportPath: async (win) => {
      const choice = await dialog.showSaveDialog(win, {
        title: 'Export deletions to CSV',
        defaultPath: path.join(app.getPath('downloads'), csvFileName()),
        filters: [{ name: 'CSV', extensions: ['csv'] }],
      });
      return choice.canceled || !choice.filePath ? null : choice.filePath;
    },
    catchAuthorization: (url, parent) => catchAuthorizationRedirect(url, { parent, log }),
    log,
  });
  setupTray({ core: running, showWindow: show, quit, log });
  setupMenu(() => mainWindow, quit);
  setupNotifications({ core: running, showWindow: show, log });
  setupAutoStart(running, log);
  log.info(`${PRODUCT_NAME} ${APP_VERSION} started${startHidden ? ' in the tray' : ''}; data in ${app.getPath('userData')}`);
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the data folder; it shows its window (second-instance below).
  app.quit();
} else {
  app.on('second-instance', () => showWindow(mainWindow));
  app.on('activate', () => showWindow(mainWindow));
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, log));
  // The window only hides on close; the tray keeps the app (and the monitor) running.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    quitting = true;
    if (flushed || !core) return;
    event.preventDefault();
    stopping ??= core
      .stop()
      .catch((error: unknown) => log.error(`stop failed: ${describeError(error)}`))
      .finally(() => {
        flushed = true;
        log.info('stopped; log flushed');
        app.quit();
      });
  });

  void app.whenReady().then(() => {
    log = createShellLogger(app.getPath('logs'));
    return start().catch((error: unknown) => {
      log.error(`start failed: ${describeError(error)}`);
      dialog.showErrorBox(PRODUCT_NAME, describeError(error));
      // With the core running, quit normally so before-quit flushes it.
      if (core) app.quit();
      else app.exit(1);
    });
  });
}
