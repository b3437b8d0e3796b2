/**
 * The one MonitorApi of the page, handed to components through React context.
 */
import { createContext, useContext, type ReactNode } from 'react';
import type { MonitorApi } from '../../../electron/core/contract';

const MonitorContext = createContext<MonitorApi | null>(null);

export function MonitorProvider({ api, children }: { api: MonitorApi; children: ReactNode }) {
  return <MonitorContext.Provider value={api}>{children}</MonitorContext.Provider>;
}

/** The API this page talks to. */
export function useMonitor(): MonitorApi {
  const api = useContext(MonitorContext);
  if (!api) throw new Error('useMonitor outside MonitorProvider');
  return api;
}
