/**
 * Types for the Tunnel class inside `@n8n/localtunnel` 3.0.0 (pinned), which its public factory hides.
 * Only what localtunnel-client.ts uses is declared; see there for why the factory is not enough.
 */
declare module '@n8n/localtunnel/lib/Tunnel.js' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  namespace Tunnel {
    /** Owns the raw TCP sockets to the server; reopens one whenever one closes, until the tunnel is closed. */
    interface TunnelCluster extends EventEmitter {
      on(event: 'open', listener: (remote: Socket) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }
  }

  interface Tunnel extends EventEmitter {
    url: string;
    clientId: string;
    closed: boolean;
    tunnelCluster: Tunnel.TunnelCluster;
    /** Turns a registration answer into socket settings (remote host/port, local port). */
    _getInfo(body: Record<string, unknown>): object;
    /** Opens `max_conn` sockets to the server and keeps them open; emits `url` on the first. */
    _establish(info: object): void;
    /** Destroys every socket; sockets still connecting are destroyed as soon as they connect. */
    close(): void;
  }

  const Tunnel: {
    prototype: Tunnel;
    new (opts: { host: string; port: number; subdomain?: string }): Tunnel;
  };
  export = Tunnel;
}
