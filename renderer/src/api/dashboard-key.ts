/**
 * The dashboard's per-run key. `serve` prints `http://127.0.0.1:PORT/#key=...`; the page takes the key
 * from the fragment, hides it from the address bar (and from screenshots and history), and keeps it in
 * this tab's sessionStorage so a reload still works.
 */

const STORAGE_ITEM = 'bitrix24-deletion-monitor.key';

export interface KeyEnvironment {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
}

function defaultEnvironment(): KeyEnvironment {
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null; // storage disabled: the key lives only as long as the page
  }
  return { location: window.location, history: window.history, storage };
}

/** Reads the key from `#key=...` (then removes it from the URL) or from the tab's storage. */
export function takeDashboardKey(env: KeyEnvironment = defaultEnvironment()): string | null {
  const params = new URLSearchParams(env.location.hash.replace(/^#/, ''));
  const fromHash = params.get('key');
  if (fromHash) {
    params.delete('key');
    const rest = params.toString();
    env.history.replaceState(env.history.state, '', `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`);
    try {
      env.storage?.setItem(STORAGE_ITEM, fromHash);
    } catch {
      // quota or privacy mode: the key still works for this page
    }
    return fromHash;
  }
  try {
    return env.storage?.getItem(STORAGE_ITEM) || null;
  } catch {
    return null;
  }
}
