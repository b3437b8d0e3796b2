/**
 * Ctrl/Cmd+F focuses the filter and Ctrl/Cmd+E exports, from the keyboard or (desktop) the app menu.
 */
import { useEffect, useRef } from 'react';
import type { MenuCommand } from '../env';

export function useShortcuts(handlers: Record<MenuCommand, () => void>): void {
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const key = event.key.toLowerCase();
      // Physical key as a fallback, so the shortcuts work in a Cyrillic keyboard layout too.
      if (key === 'f' || event.code === 'KeyF') {
        event.preventDefault();
        latest.current.find();
      } else if (key === 'e' || event.code === 'KeyE') {
        event.preventDefault();
        latest.current.export();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    const off = window.monitor?.onMenuCommand?.((command) => {
      if (command === 'find' || command === 'export') latest.current[command]();
    });
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      if (typeof off === 'function') off();
    };
  }, []);
}
