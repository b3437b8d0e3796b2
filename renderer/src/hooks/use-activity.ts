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
  /** The last answer (kept while the next one is computed, so the chart does not blink). */
  activity: Activity | null;
  error: unknown;
  /** An answer for the current filter is on its way. */
  loading: boolean;
}

export function useActivity(filter: DeletionFilter): ActivityState {
  const api = useMonitor();
  const [state, setState] = useState<ActivityState>({ activity: null, error: null, loading: true });
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
        (activity) => live && mine === asked && setState({ activity, error: null, loading: false }),
        (error: unknown) => live && mine === asked && setState((s) => ({ activity: s.activity, error, loading: false })),
      );
    };
    const later = (): void => {
      timer ??= setTimeout(() => {
        timer = null;
        if (live) load();
      }, REFRESH_MS);
    };
    setState((s) => ({ ...s, loading: true }));
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
