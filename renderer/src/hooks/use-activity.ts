/**
 * The activity of the current filter (`getActivity`), in this browser's time zone. Asked again when the
 * filter changes, when matching deletions arrive (at most once a second), and when names arrive.
 */
import { useEffect, useState } from 'react';
import type { Activity, DeletionFilter } from '../../../electron/core/contract';
import { useMonitor } from '../api/monitor-context';
import { filterKey, matchesFilter, normalizeFilter } from '../lib/filter';

const REFRESH_MS = 1000;

/** The browser's IANA time zone, when it names one. */
export function viewerTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

export interface ActivityState {
  activity: Activity | null;
  error: unknown;
}

export function useActivity(filter: DeletionFilter): ActivityState {
  const api = useMonitor();
  const [state, setState] = useState<ActivityState>({ activity: null, error: null });
  const key = filterKey(filter);
  useEffect(() => {
    const f = normalizeFilter(JSON.parse(JSON.stringify(filter)) as DeletionFilter);
    const timeZone = viewerTimeZone();
    let live = true;
    let asked = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = (): void => {
      const mine = ++asked;
      api.getActivity({ filter: f, ...(timeZone && { timeZone }) }).then(
        (activity) => live && mine === asked && setState({ activity, error: null }),
        (error: unknown) => live && mine === asked && setState((s) => ({ activity: s.activity, error })),
      );
    };
    const later = (): void => {
      timer ??= setTimeout(() => {
        timer = null;
        if (live) load();
      }, REFRESH_MS);
    };
    setState({ activity: null, error: null });
    load();
    const offAdded = api.on('deletionsAdded', (records) => {
      if (records.some((r) => matchesFilter(r, f))) later();
    });
    const offNames = api.on('namesChanged', later);
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
      offAdded();
      offNames();
    };
    // The filter's meaning is its key: a new object with the same parts asks nothing new.
  }, [api, key]);

  return state;
}
