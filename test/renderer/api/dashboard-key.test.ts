import { describe, expect, it, vi } from 'vitest';
import { takeDashboardKey, type KeyEnvironment } from '../../../renderer/src/api/dashboard-key';

function environment(hash: string, stored: Record<string, string> = {}) {
  const storage = new Map(Object.entries(stored));
  const replaceState = vi.fn();
  const env: KeyEnvironment = {
    location: { hash, pathname: '/', search: '' },
    history: { state: null, replaceState },
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
  };
  return { env, storage, replaceState };
}

describe('takeDashboardKey', () => {
  it('takes the key from the fragment, removes it from the URL and keeps it for reloads', () => {
    const { env, storage, replaceState } = environment('#key=s3cr3t-key');
    expect(takeDashboardKey(env)).toBe('s3cr3t-key');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/');
    expect([...storage.values()]).toEqual(['s3cr3t-key']);

    // The reloaded page has no fragment any more: the key comes from the tab's storage.
    const reload = environment('', Object.fromEntries(storage));
    expect(takeDashboardKey(reload.env)).toBe('s3cr3t-key');
    expect(reload.replaceState).not.toHaveBeenCalled();
  });

  it('keeps other fragment parameters', () => {
    const { env, replaceState } = environment('#view=log&key=abc');
    expect(takeDashboardKey(env)).toBe('abc');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/#view=log');
  });

  it('returns null without a key', () => {
    expect(takeDashboardKey(environment('').env)).toBeNull();
    expect(takeDashboardKey(environment('#other=1').env)).toBeNull();
  });

  it('still works when storage is unavailable', () => {
    const { env } = environment('#key=abc');
    env.storage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(takeDashboardKey(env)).toBe('abc');
  });
});
