/**
 * A value the core both answers (a call) and pushes (a change): status, settings, quarantine.
 * A push that arrives before the first answer wins over it, since it is newer.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CorePushes, MonitorApi } from '../../../electron/core/contract';
import { useMonitor } from '../api/monitor-context';

type StatePush = 'statusChanged' | 'settingsChanged' | 'quarantineChanged';

export interface CoreValue<T> {
  value: T | undefined;
  /** Why the first load failed (cleared by a later value). */
  error: unknown;
  reload(): void;
  /** Takes a newer value, e.g. the answer of an update call. */
  set(value: T): void;
}

export function useCoreValue<P extends StatePush>(push: P, load: (api: MonitorApi) => Promise<CorePushes[P]>): CoreValue<CorePushes[P]> {
  const api = useMonitor();
  const loadRef = useRef(load);
  loadRef.current = load;
  const [state, setState] = useState<{ value: CorePushes[P] | undefined; error: unknown }>({ value: undefined, error: null });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    let pushed = false;
    const off = api.on(push, (value) => {
      pushed = true;
      setState({ value, error: null });
    });
    loadRef.current(api).then(
      (value) => {
        if (live && !pushed) setState({ value, error: null });
      },
      (error: unknown) => {
        if (live && !pushed) setState((s) => ({ value: s.value, error }));
      },
    );
    return () => {
      live = false;
      off();
    };
  }, [api, push, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const set = useCallback((value: CorePushes[P]) => setState({ value, error: null }), []);
  return { value: state.value, error: state.error, reload, set };
}

export const useStatus = () => useCoreValue('statusChanged', (api) => api.getStatus());
export const useSettings = () => useCoreValue('settingsChanged', (api) => api.getSettings());
export const useQuarantine = () => useCoreValue('quarantineChanged', (api) => api.listQuarantine());
