/** The dashboard's push-stream state ('connected' for IPC, which has no connection to lose). */
import { useEffect, useState } from 'react';
import { isHttpMonitor, type ConnectionState } from '../api/http-client';
import { useMonitor } from '../api/monitor-context';

export function useConnection(): ConnectionState {
  const api = useMonitor();
  const [state, setState] = useState<ConnectionState>(() => (isHttpMonitor(api) ? api.connectionState() : 'connected'));
  useEffect(() => {
    if (!isHttpMonitor(api)) return;
    setState(api.connectionState());
    return api.onConnectionChange(setState);
  }, [api]);
  return state;
}
