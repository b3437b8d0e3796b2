/**
 * Failures of core calls as the renderer sees them: an Error with the core's `code` (see
 * `CoreErrorShape` in the contract), whichever transport carried it.
 */
import type { CoreErrorShape } from '../../../electron/core/contract';

export class MonitorCallError extends Error implements CoreErrorShape {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MonitorCallError';
  }
}

/** The core's error code, when the failure carries one. */
export function errorCode(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return null;
}

// Electron prefixes errors that cross `ipcRenderer.invoke` with this; users need only the core's words.
const IPC_PREFIX = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

/** A message fit to show: the core's own words, without transport noise. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  return text.replace(IPC_PREFIX, '');
}
