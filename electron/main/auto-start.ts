/**
 * Start at login: follows settings.autoStart through app.setLoginItemSettings (Windows and macOS;
 * Linux desktops have no such API in Electron, so it is a no-op there). Started at login, the app
 * opens in the tray: Windows passes the login item's `--hidden` argument; macOS passes no arguments
 * to login items, and says instead that it opened the app at login (`wasOpenedAtLogin`).
 */
import { app } from 'electron';
import type { Settings } from '../core/contract.js';
import { describeError, silentLogger, type Logger } from '../core/util/logger.js';
import type { ShellCore } from './ipc.js';

export const HIDDEN_FLAG = '--hidden';

/** True when this run should stay in the tray: `--hidden` in argv, or a macOS login launch. */
export function shouldStartHidden(argv: readonly string[] = process.argv, platform: NodeJS.Platform = process.platform): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  if (platform !== 'darwin') return false;
  try {
    return app.getLoginItemSettings().wasOpenedAtLogin === true;
  } catch {
    return false; // an older macOS without the login-item service: show the window
  }
}

/** Registers or removes the login item when it differs from `enabled`. */
export function applyAutoStart(enabled: boolean): boolean {
  if (app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin === enabled) return false;
  app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
  return true;
}

/**
 * Keeps the login item in step with settings.autoStart. Only a packaged app registers itself: a
 * development run would register the bare Electron binary.
 */
export function setupAutoStart(core: ShellCore, log: Logger = silentLogger): () => void {
  const apply = (settings: Settings): void => {
    if (!app.isPackaged) return;
    try {
      if (applyAutoStart(settings.autoStart)) log.info(`start at login ${settings.autoStart ? 'on' : 'off'}`);
    } catch (error) {
      log.warn(`start at login not changed: ${describeError(error)}`);
    }
  };
  core.getSettings().then(apply, (error: unknown) => log.warn(`auto-start: no settings: ${describeError(error)}`));
  return core.on('settingsChanged', apply);
}
