/**
 * Where the app keeps its data: the same per-user folder Electron's `app.getPath('userData')` gives
 * for our product name, so the desktop app and `serve` share one log by default.
 */
import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'Bitrix24 Deletion Monitor';

/** The per-user data folder on this OS. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), PRODUCT_NAME);
}

/** The log folder inside a data folder. */
export function logDirOf(dataDir: string): string {
  return path.join(dataDir, 'logs');
}
