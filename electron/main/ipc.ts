/**
 * The IPC transport of the contract. One guard for every call: the sender must be the main frame of an
 * app window showing our renderer page; then the arguments must pass their schema; only then does the
 * core run. Results and failures travel as an `IpcResult`. Pushes go to app windows only.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import { CALL_NAMES, PUSH_NAMES, type CallName, type CoreCalls, type CorePushes, type PushName } from '../core/contract.js';
import { CallError, csvLanguageSchema, filterSchema, parseCallArgs, toErrorShape } from '../core/contract-schemas.js';
import { describeError, silentLogger, type Logger } from '../core/util/logger.js';
import { isRendererUrl } from './app-paths.js';
import { CANCELLED, callChannel, pushChannel, type IpcResult } from './ipc-channels.js';

/** The core as the shell sees it: the contract calls plus push subscriptions (MonitorCore is one). */
export type ShellCore = CoreCalls & {
  on<P extends PushName>(name: P, listener: (payload: CorePushes[P]) => void): () => void;
};

export interface IpcOptions {
  core: ShellCore;
  /** The app's windows (the only senders trusted, the only receivers of pushes). */
  windows: () => readonly BrowserWindow[];
  /** file:// URL of our renderer page. */
  rendererUrl: string;
  /** Asks the user where to save the CSV; null when they cancel. */
  chooseExportPath: (win: BrowserWindow) => Promise<string | null>;
  /** Shows the portal's authorization page and catches its redirect; null when the user closed it. */
  catchAuthorization?: (url: string, win: BrowserWindow) => Promise<string | null>;
  log?: Logger;
}

/**
 * Over IPC the renderer never names the file: `exportCsv` takes `{ filter }` only (a `path` is refused)
 * and main asks with the save dialog.
 */
export const ipcExportArgsSchema = z.tuple([z.object({ filter: filterSchema, language: csvLanguageSchema.optional() }).strict()]);

/** The app window whose main frame sent this, when that frame shows our renderer page; else null. */
export function trustedWindow(event: IpcMainInvokeEvent, windows: readonly BrowserWindow[], rendererUrl: string): BrowserWindow | null {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return null;
  const win = windows.find((w) => !w.isDestroyed() && w.webContents === event.sender);
  if (!win) return null;
  return isRendererUrl(frame.url, rendererUrl) ? win : null;
}

/** Registers `monitor:call:<name>` for every contract call and forwards every push; returns the undo. */
export function setupIpc(options: IpcOptions): () => void {
  const { core, rendererUrl } = options;
  const log = options.log ?? silentLogger;

  async function run(name: CallName, win: BrowserWindow, args: unknown): Promise<unknown> {
    if (name === 'exportCsv') {
      const parsed = ipcExportArgsSchema.safeParse(args);
      if (!parsed.success) throw new CallError('BAD_ARGUMENTS', `exportCsv: ${parsed.error.issues[0]?.message ?? 'invalid'} (the save dialog picks the file)`);
      const file = await options.chooseExportPath(win);
      if (file === null) throw new CallError(CANCELLED, 'export cancelled');
      const { filter, language } = parsed.data[0];
      return core.exportCsv(...parseCallArgs('exportCsv', [{ filter, path: file, ...(language && { language }) }]));
    }
    if (name === 'authorizePortalApp' && options.catchAuthorization) {
      // The desktop app finishes the fallback itself: the page in a window, the redirect caught there.
      const [{ domain }] = parseCallArgs('authorizePortalApp', args);
      const { url } = await core.authorizePortalApp({ domain });
      const redirected = await options.catchAuthorization(url, win);
      if (redirected === null) return { url, connected: null };
      return { url, connected: await core.completePortalAppAuthorization({ domain, redirected }) };
    }
    const valid = parseCallArgs(name, args);
    const method = core[name] as (...a: unknown[]) => Promise<unknown>;
    return method.apply(core, valid);
  }

  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), async (event, ...args: unknown[]): Promise<IpcResult> => {
      const win = trustedWindow(event, options.windows(), rendererUrl);
      if (!win) {
        log.warn(`ipc: refused ${name} from ${event.senderFrame?.url.slice(0, 200) ?? 'a gone frame'}`);
        return { ok: false, error: { code: 'FORBIDDEN', message: 'calls are accepted from the app window only' } };
      }
      try {
        const result = await run(name, win, args);
        // undefined (void calls) becomes null so both transports answer the same.
        return { ok: true, result: result ?? null } as IpcResult;
      } catch (error) {
        const shape = toErrorShape(error);
        if (!(error instanceof CallError)) log.error(`ipc: ${name} failed: ${describeError(error)}`);
        return { ok: false, error: shape };
      }
    });
  }

  const unsubscribes = PUSH_NAMES.map((name) =>
    core.on(name, (payload) => {
      for (const win of options.windows()) {
        if (win.isDestroyed() || !isRendererUrl(win.webContents.getURL(), rendererUrl)) continue;
        win.webContents.send(pushChannel(name), payload);
      }
    }),
  );

  return () => {
    for (const name of CALL_NAMES) ipcMain.removeHandler(callChannel(name));
    for (const off of unsubscribes) off();
  };
}
