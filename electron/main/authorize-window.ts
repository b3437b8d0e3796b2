/**
 * The authorization-code fallback in the desktop app: the portal's authorization page in a window of its
 * own, and the redirect that carries the code caught before it goes anywhere (the handler path may well
 * be unreachable: no public URL is needed). The window is as locked down as the main one, except that it
 * may navigate within Bitrix24 (the portal, its login and OAuth pages) over https; everything else is
 * refused, and a redirect carrying our `state` ends it.
 */
import { BrowserWindow, type WebContents } from 'electron';
import { silentLogger, type Logger } from '../core/util/logger.js';

/** Web contents showing an authorization page, and what decides their navigations. */
const authorizing = new WeakMap<WebContents, (url: string) => 'allow' | 'caught' | 'refuse'>();

/**
 * For guardWebContents: how a navigation of `contents` is to be handled, or null when `contents` is not an
 * authorization window (then the default lock-down applies).
 */
export function authorizationNavigation(contents: WebContents, url: string): 'allow' | 'caught' | 'refuse' | null {
  const decide = authorizing.get(contents);
  return decide ? decide(url) : null;
}

/** Bitrix24's own hosts an authorization may pass through, plus the portal being connected. */
function allowedHost(host: string, portalHost: string): boolean {
  return host === portalHost || /^(?:[a-z0-9-]+\.)*(?:bitrix24\.(?:com|ru|de|eu|es|fr|it|pl|uk|by|kz|ua|in|jp|cn|vn|id|co|mx|com\.br|com\.tr|net|tech)|bitrix\.info)$/.test(host);
}

export interface AuthorizeWindowOptions {
  parent?: BrowserWindow;
  log?: Logger;
  /** Tests: a loopback portal (`serve --allow-loopback-portal` equivalent) may be plain http. */
  allowLoopback?: boolean;
}

/**
 * Opens `authorizeUrl` and resolves with the address the portal redirected to (it carries `code` and the
 * `state` of `authorizeUrl`), or null when the user closed the window first.
 */
export function catchAuthorizationRedirect(authorizeUrl: string, options: AuthorizeWindowOptions = {}): Promise<string | null> {
  const log = options.log ?? silentLogger;
  const start = new URL(authorizeUrl);
  const state = start.searchParams.get('state');
  if (!state) return Promise.reject(new Error('the authorization URL carries no state'));
  const loopback = options.allowLoopback === true && start.hostname === '127.0.0.1';
  return new Promise((resolve) => {
    let settled = false;
    const win = new BrowserWindow({
      width: 900,
      height: 720,
      title: 'Bitrix24 authorization',
      ...(options.parent && { parent: options.parent }),
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webSecurity: true,
        // Its own in-memory session: the portal's login cookies go with the window.
        partition: 'bitrix24-authorization',
        // Middle-click would otherwise try to open links in new windows.
        disableBlinkFeatures: 'Auxclick',
        webviewTag: false,
      },
    });
    const finish = (value: string | null): void => {
      if (settled) return;
      settled = true;
      resolve(value);
      if (!win.isDestroyed()) win.close();
    };
    authorizing.set(win.webContents, (target) => {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return 'refuse';
      }
      if (url.searchParams.get('state') === state && url.searchParams.has('code')) {
        // The portal sends the browser to the application's handler path: caught here, never loaded.
        setImmediate(() => finish(url.href));
        return 'caught';
      }
      const secure = url.protocol === 'https:' || (loopback && url.protocol === 'http:' && url.hostname === '127.0.0.1');
      if (secure && url.username === '' && url.password === '' && allowedHost(url.hostname, start.hostname)) return 'allow';
      log.warn(`authorization window: refused a navigation to ${url.origin}`);
      return 'refuse';
    });
    win.on('closed', () => finish(null));
    win.loadURL(start.href).catch((error: unknown) => {
      // A load aborted by the caught redirect is the success path.
      if (!settled) log.warn(`authorization page did not load: ${String(error)}`);
    });
  });
}
