/**
 * One tunnel attempt with the `@n8n/localtunnel` client, that can really be abandoned.
 *
 * The public factory cannot be used as is: its registration retries every second forever, has no
 * timeout (a server that accepts and never answers holds it for good), and `close()` does not stop it.
 * An abandoned attempt would keep polling, one more loop per retry, and when the server came back
 * every loop would register at once: ghost tunnels that also take our subdomain. So the registration
 * is done here (abortable, see registration.ts) and its answer is handed to the client's own socket
 * machinery, the part worth reusing: a pool of raw sockets to the server, piped to the local port,
 * reopened when one closes. That uses two methods of the Tunnel class behind the factory
 * (`_getInfo`, `_establish`); the package is pinned to 3.0.0 and the tests run the real client.
 */
import type TunnelClass from '@n8n/localtunnel/lib/Tunnel.js';
import { register } from './registration.js';
import { TunnelError, errorMessage } from './tunnel-error.js';

/** An open tunnel: requests to `url` reach 127.0.0.1:localPort until `close()`. */
export interface OpenTunnel {
  /** The id (subdomain) the server gave. */
  readonly id: string;
  readonly url: string;
  /** Destroys every socket of this tunnel; resolves once they are closed. Idempotent. */
  close(): Promise<void>;
}

/** What one attempt needs. */
export interface OpenTunnelOptions {
  host: URL;
  subdomain: string;
  localPort: number;
  /** Aborting ends the attempt wherever it is (registration or first socket) and tears it down. */
  signal: AbortSignal;
  /** How long an open tunnel may have no socket at all before it counts as dead. */
  socketGraceMs: number;
  /** Called at most once, when the tunnel dies after it opened (never after `close()`). */
  onDeath: (reason: string) => void;
}

// Sockets are destroyed synchronously by close(); their 'close' events follow within a tick or two.
// The bound only matters if the client misbehaves, and stop() must not hang on it.
const CLOSE_WAIT_MS = 1000;

/** Registers with the server and resolves once the first tunnel socket is connected. */
export async function openTunnel(options: OpenTunnelOptions): Promise<OpenTunnel> {
  const { host, subdomain, localPort, signal, socketGraceMs, onDeath } = options;
  // Loaded on first use: the client and its axios cost ~150 ms of start-up that --no-tunnel never needs.
  const Tunnel: typeof TunnelClass = (await import('@n8n/localtunnel/lib/Tunnel.js')).default;
  if (typeof Tunnel.prototype._getInfo !== 'function' || typeof Tunnel.prototype._establish !== 'function') {
    throw new TunnelError('the installed @n8n/localtunnel is not the 3.0.0 this app was built for', 'fatal');
  }
  const registration = await register(host, subdomain, signal);

  // The local host is left unset on purpose: the client's `local_host` option rewrites the first chunk
  // of every request as a string, which corrupts binary bodies. It then dials localhost:localPort.
  const tunnel = new Tunnel({ host: host.href.replace(/\/+$/, ''), port: localPort, subdomain: subdomain || undefined });
  let opened = false;
  let closed = false;
  let dead = false;
  let sockets = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | null = null;
  const whenNoSockets = new Set<() => void>();
  let failOpening: (err: TunnelError) => void = () => {};

  const die = (reason: string): void => {
    if (closed || dead) return;
    if (!opened) return failOpening(new TunnelError(reason, 'retry'));
    dead = true;
    onDeath(reason);
  };
  // The client re-emits every socket error (once per socket when the server goes away) and never
  // emits anything else about it; without a listener the first one would crash the process. The
  // listener stays for the object's lifetime, since errors can still arrive after close().
  tunnel.on('error', (err: Error) => die(`tunnel socket error: ${err.message}`));

  // What Tunnel#open() would set before establishing.
  tunnel.clientId = registration.id;
  tunnel.url = registration.url;
  tunnel._establish(tunnel._getInfo(registration.body));
  tunnel.tunnelCluster.on('open', (remote) => {
    sockets += 1;
    clearTimeout(graceTimer);
    remote.once('close', () => {
      sockets -= 1;
      if (sockets > 0) return;
      for (const done of whenNoSockets) done();
      // Sockets come and go (the local server closes idle keep-alive connections, the client then opens
      // a new one), so only a lasting absence means the tunnel is gone without having said so.
      if (!closed) graceTimer = setTimeout(() => die('every tunnel socket is gone'), socketGraceMs);
    });
  });

  const close = (): Promise<void> => {
    if (closing) return closing;
    closed = true;
    clearTimeout(graceTimer);
    tunnel.close();
    closing =
      sockets === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = (): void => {
              clearTimeout(timer);
              whenNoSockets.delete(done);
              resolve();
            };
            const timer = setTimeout(done, CLOSE_WAIT_MS);
            whenNoSockets.add(done);
          });
    return closing;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => failOpening(new TunnelError(errorMessage(signal.reason), 'retry'));
      failOpening = (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      };
      tunnel.once('url', () => {
        signal.removeEventListener('abort', onAbort);
        opened = true;
        resolve();
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { id: registration.id, url: registration.url, close };
}
