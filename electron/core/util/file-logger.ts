/**
 * The application log: rotating files (electron-log keeps one `.old.log` per file past 5 MB) in the
 * log folder, optionally mirrored to stderr. Nothing secret is ever passed to it by the core.
 */
import path from 'node:path';
import electronLog from 'electron-log/node';
import type { Logger } from './logger.js';

export function createFileLogger(logDir: string, options: { stderr?: boolean; logId?: string } = {}): Logger & { file: string } {
  const log = electronLog.create({ logId: options.logId ?? 'monitor' });
  const file = path.join(logDir, 'monitor.log');
  log.transports.file.resolvePathFn = () => file;
  log.transports.file.maxSize = 5 * 1024 * 1024;
  log.transports.file.level = 'info';
  // stdout carries the URLs `serve` prints; log lines go to stderr so scripts can read stdout alone.
  log.transports.console.level = false;
  const mirror = (level: string, message: string): void => {
    if (options.stderr) process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
  };
  return {
    file,
    info: (m) => (log.info(m), mirror('info', m)),
    warn: (m) => (log.warn(m), mirror('warn', m)),
    error: (m) => (log.error(m), mirror('error', m)),
  };
}
