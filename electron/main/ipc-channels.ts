/**
 * IPC channel names and message shapes shared by the main process and the preload (bundled into both;
 * no imports, so the sandboxed preload pulls in nothing else). Derived from the contract's names.
 */
import type { CallName, CallResult, CoreErrorShape, PushName } from '../core/contract.js';

/** `ipcMain.handle` channel of a contract call. */
export function callChannel(name: CallName): `monitor:call:${CallName}` {
  return `monitor:call:${name}`;
}

/** `webContents.send` channel of a contract push. */
export function pushChannel(name: PushName): `monitor:push:${PushName}` {
  return `monitor:push:${name}`;
}

/** One-way main → renderer channel for application-menu commands (payload: a MenuCommand). */
export const MENU_COMMAND_CHANNEL = 'monitor:menu';

/** What the application menu asks the page to do: focus the search box, or start a CSV export. */
export type MenuCommand = 'find' | 'export';

export const MENU_COMMANDS: readonly MenuCommand[] = ['find', 'export'];

/**
 * What every `monitor:call:*` handler resolves with. Failures travel as data, not as a rejected invoke,
 * because Electron flattens a rejection into an `Error` whose message is prefixed and whose `code` is lost.
 */
export type IpcResult<N extends CallName = CallName> = { ok: true; result: CallResult<N> } | { ok: false; error: CoreErrorShape };

/** Error code for a save dialog the user cancelled (exportCsv over IPC). */
export const CANCELLED = 'CANCELLED';
