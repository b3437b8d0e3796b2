/**
 * The portals connected as applications, for rows that need to know how a deletion reached the
 * monitor: only an application's events say whether a user deleted (no user then means automation);
 * an outgoing webhook never names the user.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { PortalAppState } from '../../../electron/core/contract';

const AppPortalsContext = createContext<ReadonlySet<string>>(new Set());

export function AppPortalsProvider({ apps, children }: { apps: readonly PortalAppState[] | undefined; children: ReactNode }) {
  const key = (apps ?? []).map((a) => a.domain).join('\n');
  const domains = useMemo(() => new Set(key === '' ? [] : key.split('\n')), [key]);
  return <AppPortalsContext.Provider value={domains}>{children}</AppPortalsContext.Provider>;
}

export function useAppPortals(): ReadonlySet<string> {
  return useContext(AppPortalsContext);
}
