/**
 * The live table's data for one filter: a DeletionRows kept in step with `deletionsAdded` pushes and
 * checked against the core on status pushes. A new filter starts a new one.
 */
import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import type { DeletionFilter } from '../../../electron/core/contract';
import { useMonitor } from '../api/monitor-context';
import { DeletionRows, type DeletionRowsSnapshot } from '../lib/deletion-rows';
import { filterKey } from '../lib/filter';

export interface DeletionLog {
  rows: DeletionRows;
  snapshot: DeletionRowsSnapshot;
  /** Changes when the filter does (the table then goes back to the newest row). */
  filterKey: string;
  retry(): void;
}

export function useDeletionLog(filter: DeletionFilter): DeletionLog {
  const api = useMonitor();
  const key = filterKey(filter);
  // The filter is captured through its key: a new object with the same meaning keeps the rows.
  const rows = useMemo(() => new DeletionRows((query) => api.queryDeletions(query), filter), [api, key]);
  const snapshot = useSyncExternalStore(rows.subscribe, rows.getSnapshot);

  useEffect(() => {
    void rows.start();
    return () => rows.dispose();
  }, [rows]);
  useEffect(() => api.on('deletionsAdded', (records) => void rows.push(records)), [api, rows]);
  useEffect(() => api.on('statusChanged', () => rows.scheduleHeadCheck()), [api, rows]);
  // Names arrive in bursts (one per batch of user.get): refresh the rows in view once the burst is over.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('namesChanged', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => rows.reloadHeld(), 250);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [api, rows]);

  const retry = useCallback(() => void rows.start(), [rows]);
  return { rows, snapshot, filterKey: key, retry };
}
