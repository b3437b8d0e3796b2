/**
 * Picks the transport: the Electron preload's `window.monitor` (IPC) when present, else the dashboard's
 * HTTP client keyed from the page URL. Returns null when the dashboard page has no key.
 */
import type { MonitorApi } from '../../../electron/core/contract';
import { takeDashboardKey } from './dashboard-key';
import { createHttpMonitor } from './http-client';

export function createMonitor(win: Window = window): MonitorApi | null {
  if (win.monitor) return win.monitor;
  const key = takeDashboardKey();
  return key ? createHttpMonitor({ key }) : null;
}
