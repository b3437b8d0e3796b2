/**
 * Closes event-listener connections that carried no request for a long time, without a timer per
 * request. Node's own idle handling (`server.timeout`, `keepAliveTimeout`) re-arms a socket timer twice
 * for every request on a keep-alive connection: a new Timeout object and a bound function each time,
 * a cost the bare server of the benchmark pays half of and serve paid in full. Here a request only
 * stamps its socket with the sweep count, and a sweep once a minute destroys sockets stamped too long ago.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

const LAST_REQUEST = Symbol('sweep count at the last request');
type StampedSocket = Socket & { [LAST_REQUEST]?: number };

export class IdleConnections {
  private readonly sockets = new Set<StampedSocket>();
  private sweeps = 0;
  private readonly timer: NodeJS.Timeout;

  /** Sockets of `server` with no request for `idleMs` (checked every `everyMs`) are destroyed. */
  constructor(
    server: http.Server,
    private readonly idleMs: number,
    private readonly everyMs = 60_000,
  ) {
    server.on('connection', (socket: StampedSocket) => {
      socket[LAST_REQUEST] = this.sweeps;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.timer = setInterval(() => this.sweep(), everyMs);
    this.timer.unref();
  }

  /** A request arrived on `socket`. */
  seen(socket: Socket): void {
    (socket as StampedSocket)[LAST_REQUEST] = this.sweeps;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    this.sweeps++;
    const limit = Math.ceil(this.idleMs / this.everyMs);
    for (const socket of this.sockets) if (this.sweeps - (socket[LAST_REQUEST] ?? 0) > limit) socket.destroy();
  }
}
