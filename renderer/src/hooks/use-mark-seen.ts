/**
 * Tells the core the user has seen the log (clears the tray's unseen counter) while the log is on
 * screen: on showing it, on focus, and as rows arrive (at most every few seconds).
 */
import { useEffect } from 'react';
import { useMonitor } from '../api/monitor-context';

const EVERY_MS = 3000;

export function useMarkSeen(active: boolean): void {
  const api = useMonitor();
  useEffect(() => {
    if (!active) return;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const looking = () => document.visibilityState === 'visible' && document.hasFocus();
    const mark = () => {
      if (!looking()) return;
      const wait = last + EVERY_MS - Date.now();
      if (wait > 0) {
        timer ??= setTimeout(() => {
          timer = null;
          mark();
        }, wait);
        return;
      }
      last = Date.now();
      api.markSeen().catch(() => undefined);
    };
    mark();
    const off = api.on('deletionsAdded', mark);
    window.addEventListener('focus', mark);
    document.addEventListener('visibilitychange', mark);
    return () => {
      off();
      if (timer) clearTimeout(timer);
      window.removeEventListener('focus', mark);
      document.removeEventListener('visibilitychange', mark);
    };
  }, [api, active]);
}
