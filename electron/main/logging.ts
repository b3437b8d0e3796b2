/**
 * The shell's log: electron-log's main-process logger writing `main.log` (rotated to `main.old.log`
 * past 5 MB) in Electron's log folder. The core writes through the same Logger interface.
 */
import path from 'node:path';
import log from 'electron-log/main';
import type { Logger } from '../core/util/logger.js';

/** Points electron-log at `logDir` and returns it as the core's Logger. */
export function createShellLogger(logDir: string): Logger {
  log.transports.file.resolvePathFn = () => path.join(logDir, 'main.log');
  log.transports.file.maxSize = 5 * 1024 * 1024;
  log.transports.file.level = 'info';
  log.transports.console.level = process.env['NODE_ENV'] === 'development' ? 'debug' : false;
  // Uncaught errors in main end up in the file instead of an unexplained exit.
  log.errorHandler.startCatching({ showDialog: false });
  return {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m) => log.error(m),
  };
}
