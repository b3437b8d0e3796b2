/**
 * The portals connected as applications, for rows that need to know how a deletion reached the
 * monitor: only an application's events say whether a user deleted (no user then means automation);
 * an outgoing webhook never names the user.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { DeletionRecord, MassDeletionAlert, PortalAppState } from '../../../electron/core/contract';

const AppPortalsContext = createContext<ReadonlySet<string>>(new Set());
const BurstsContext = createContext<readonly MassDeletionAlert[]>([]);

/** Provides the application portals and the mass deletions of the status to the rows below. */
export function AppPortalsProvider({ apps, alerts, children }: { apps: readonly PortalAppState[] | undefined; alerts?: readonly MassDeletionAlert[]; children: ReactNode }) {
  const key = (apps ?? []).map((a) => a.domain).join('\n');
  const domains = useMemo(() => new Set(key === '' ? [] : key.split('\n')), [key]);
  const burstKey = (alerts ?? []).map((a) => `${a.id}:${a.lastAt}`).join(',');
  // Keyed by what the rows compare, so a status push with the same bursts re-renders no row.
  const latest = alerts ?? [];
  const bursts = useMemo(() => latest, [burstKey]);
  return (
    <AppPortalsContext.Provider value={domains}>
      <BurstsContext.Provider value={bursts}>{children}</BurstsContext.Provider>
    </AppPortalsContext.Provider>
  );
}

/** True when a deletion belongs to a mass deletion the monitor raised (same portal and actor, inside it). */
export function inBurst(record: DeletionRecord, bursts: readonly MassDeletionAlert[]): boolean {
  return bursts.some((b) => b.portal === record.portal && b.userId === record.userId && record.sentAt >= b.firstAt && record.sentAt <= b.lastAt);
}

export function useBursts(): readonly MassDeletionAlert[] {
  return useContext(BurstsContext);
}

export function useAppPortals(): ReadonlySet<string> {
  return useContext(AppPortalsContext);
}
