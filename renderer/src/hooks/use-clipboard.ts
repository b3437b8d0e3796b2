/**
 * Copy to the clipboard, with a fallback for pages where the async Clipboard API is unavailable, and a
 * short-lived "copied" state for feedback.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // permission refused or not focused: try the old way
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.append(area);
  area.select();
  const ok = typeof document.execCommand === 'function' && document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy is not available');
}

export type CopyState = 'idle' | 'copied' | 'failed';

export function useClipboard(resetMs = 2000): { state: CopyState; copy: (text: string) => void } {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const copy = useCallback(
    (text: string) => {
      copyText(text).then(
        () => setState('copied'),
        () => setState('failed'),
      );
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => setState('idle'), resetMs);
    },
    [resetMs],
  );
  return { state, copy };
}
