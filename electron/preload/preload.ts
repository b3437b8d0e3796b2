/**
 * The preload: exposes the contract to the page as `window.monitor`, over IPC. Named methods only
 * (one per contract call, built from CALL_NAMES), `on(push, listener)` returning its unsubscribe, and
 * `onMenuCommand`. Bundled as CommonJS (sandboxed preloads cannot be ESM); imports nothing but electron.
 *
 * Failures reject with a plain `{ code, message }` object (the contract's CoreErrorShape), not an
 * Error: contextBridge copies an Error's message only, so its `code` would not reach the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CALL_NAMES, PUSH_NAMES, type CallName, type CoreCalls, type CoreErrorShape, type CorePushes, type MonitorApi, type PushName } from '../core/contract.js';
import { MENU_COMMANDS, MENU_COMMAND_CHANNEL, callChannel, pushChannel, type IpcResult, type MenuCommand } from '../main/ipc-channels.js';

/** A call failure as the page receives it (plain data, so it survives the context bridge). */
export type CallFailure = CoreErrorShape & { name: 'CoreError' };

function failure(error: CoreErrorShape): CallFailure {
  return { name: 'CoreError', code: String(error.code), message: String(error.message) };
}

/** Invokes a call and unwraps its IpcResult: the result, or a rejection with `{ name, code, message }`. */
async function invoke(name: CallName, args: unknown[]): Promise<unknown> {
  let answer: IpcResult;
  try {
    answer = (await ipcRenderer.invoke(callChannel(name), ...args)) as IpcResult;
  } catch (error) {
    throw failure({ code: 'IPC_FAILED', message: error instanceof Error ? error.message : String(error) });
  }
  if (answer && answer.ok === true) return answer.result;
  throw failure(answer && answer.ok === false ? answer.error : { code: 'IPC_FAILED', message: 'malformed answer from the main process' });
}

function buildCalls(): CoreCalls {
  const calls: Partial<Record<CallName, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const name of CALL_NAMES) calls[name] = (...args: unknown[]) => invoke(name, args);
  // Over IPC main picks the file with a save dialog: the page's `path` is never sent ('' by convention).
  calls.exportCsv = (args: unknown) => {
    const { filter, language } = typeof args === 'object' && args !== null ? (args as { filter?: unknown; language?: unknown }) : {};
    return invoke('exportCsv', [{ filter: filter ?? {}, ...(language !== undefined && { language }) }]);
  };
  return calls as CoreCalls;
}

/** Subscribes to a push; the page never sees the IPC event object. */
function on<P extends PushName>(name: P, listener: (payload: CorePushes[P]) => void): () => void {
  if (!(PUSH_NAMES as readonly string[]).includes(name)) throw new TypeError(`unknown push "${String(name)}"`);
  const channel = pushChannel(name);
  const handler = (_event: IpcRendererEvent, payload: CorePushes[P]): void => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => void ipcRenderer.removeListener(channel, handler);
}

/** Listens for application-menu commands (Find, Export); returns the unsubscribe. */
function onMenuCommand(listener: (command: MenuCommand) => void): () => void {
  const handler = (_event: IpcRendererEvent, command: unknown): void => {
    if (MENU_COMMANDS.includes(command as MenuCommand)) listener(command as MenuCommand);
  };
  ipcRenderer.on(MENU_COMMAND_CHANNEL, handler);
  return () => void ipcRenderer.removeListener(MENU_COMMAND_CHANNEL, handler);
}

const api = {
  ...buildCalls(),
  on,
  onMenuCommand,
  transport: 'ipc',
} as const satisfies MonitorApi & { onMenuCommand: typeof onMenuCommand };

/** The type of `window.monitor` in the Electron app; the renderer's global declaration imports it. */
export type PreloadApi = typeof api;
export type { MenuCommand };

contextBridge.exposeInMainWorld('monitor', api);
