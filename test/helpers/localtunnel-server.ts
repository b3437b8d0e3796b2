/**
 * A localtunnel-protocol server for tests, in plain Node, on 127.0.0.1.
 *
 * `GET /?new` or `GET /{subdomain}` registers a client and answers `{ id, port, max_conn_count, url }`;
 * the client then opens raw TCP sockets to `port`, and requests that reach the HTTP port with
 * `Host: <id>.<domain>` are written onto those sockets by an http.Agent whose createConnection hands
 * them out. Like the real server, a taken subdomain gets a random id instead, and a client with no
 * socket for `graceMs` (after registering, or after its last socket closed) is dropped.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface LocaltunnelTestServerOptions {
  /** HTTP port; pass a stopped server's port to restart it in place. Default: any free port. */
  port?: number;
  /** Default `localtunnel.test`. URLs are `http://<id>.<domain>:<port>` (no DNS: send to 127.0.0.1). */
  domain?: string;
  /** Default 4. */
  maxConnCount?: number;
  /** Default 1000 ms, like the public server. */
  graceMs?: number;
  /** Subdomains held by someone else. */
  reserved?: string[];
}

interface Client {
  id: string;
  listener: net.Server;
  sockets: Set<net.Socket>;
  available: net.Socket[];
  waiting: ((err: Error | null, socket?: Duplex) => void)[];
  agent: http.Agent;
  grace: NodeJS.Timeout | undefined;
}

const SUBDOMAIN = /^(?:[a-z0-9][a-z0-9-]{4,63}[a-z0-9]|[a-z0-9]{4,63})$/;

/** A running test server; see the module comment. */
export class LocaltunnelTestServer {
  /** When true, registration requests are accepted and never answered. */
  hangRegistration = false;
  /** Every registration that was answered, in order. */
  readonly registrations: { requested: string | null; id: string }[] = [];
  /** Registration requests received (answered or not). */
  registrationRequests = 0;
  /** Hung registration requests whose connection is still open, and the most at once. */
  openHung = 0;
  maxOpenHung = 0;
  /** Most clients that had at least one connected socket at the same moment. */
  maxLiveGroups = 0;

  readonly #clients = new Map<string, Client>();
  readonly #all = new Set<Client>();
  readonly #reserved: Set<string>;
  readonly #http: http.Server;
  readonly #hung = new Set<http.ServerResponse>();

  private constructor(
    readonly domain: string,
    readonly maxConnCount: number,
    readonly graceMs: number,
    reserved: string[],
  ) {
    this.#reserved = new Set(reserved);
    this.#http = http.createServer((req, res) => this.#handle(req, res));
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: LocaltunnelTestServerOptions = {}): Promise<LocaltunnelTestServer> {
    const server = new LocaltunnelTestServer(options.domain ?? 'localtunnel.test', options.maxConnCount ?? 4, options.graceMs ?? 1000, options.reserved ?? []);
    await new Promise<void>((resolve, reject) => {
      server.#http.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    server.port = (server.#http.address() as AddressInfo).port;
    return server;
  }

  /** The HTTP port (still known after close(), for a restart in place). */
  port = 0;

  /** The server URL to give the client as `host`. */
  get host(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The public URL of a client id. */
  url(id: string): string {
    return `http://${id}.${this.domain}:${this.port}`;
  }

  /** Clients that have at least one connected socket now. */
  liveGroups(): number {
    return [...this.#all].filter((c) => c.sockets.size > 0).length;
  }

  /** Forgets a client as if the server lost its state; its sockets stay connected but unused. */
  evict(id: string): void {
    this.#clients.delete(id);
  }

  /** Stops everything: the HTTP port, every client port and socket, hung requests. */
  async close(): Promise<void> {
    for (const res of this.#hung) res.socket?.destroy();
    for (const client of [...this.#all]) this.#remove(client);
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const hostname = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (hostname.endsWith(`.${this.domain}`)) {
      const client = this.#clients.get(hostname.slice(0, -this.domain.length - 1));
      if (!client) return void res.writeHead(404).end(JSON.stringify({ message: 'no such tunnel' }));
      return this.#forward(client, req, res);
    }
    const match = /^\/(?:\?new|([^/?]+))$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match) return void res.writeHead(404).end();
    this.registrationRequests += 1;
    if (this.hangRegistration) {
      this.#hung.add(res);
      this.maxOpenHung = Math.max(this.maxOpenHung, ++this.openHung);
      req.socket.once('close', () => {
        this.#hung.delete(res);
        this.openHung -= 1;
      });
      return;
    }
    const requested = match[1] ?? null;
    if (requested !== null && !SUBDOMAIN.test(requested)) return void res.writeHead(403).end(JSON.stringify({ message: 'Invalid subdomain' }));
    const taken = (id: string): boolean => this.#clients.has(id) || this.#reserved.has(id);
    let id = requested ?? randomBytes(5).toString('hex');
    if (taken(id)) id = randomBytes(5).toString('hex');
    void this.#register(id).then((port) => {
      this.registrations.push({ requested, id });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, port, max_conn_count: this.maxConnCount, url: this.url(id) }));
    });
  }

  #forward(client: Client, req: http.IncomingMessage, res: http.ServerResponse): void {
    const out = http.request({ agent: client.agent, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(out);
  }

  async #register(id: string): Promise<number> {
    const listener = net.createServer();
    const client: Client = { id, listener, sockets: new Set(), available: [], waiting: [], agent: new http.Agent({ keepAlive: true }), grace: undefined };
    // The agent hands out the client's sockets instead of dialling (Node accepts the callback form).
    (client.agent as unknown as { createConnection: unknown }).createConnection = (_opts: unknown, cb: Client['waiting'][number]) => {
      const socket = client.available.shift();
      if (socket) cb(null, socket);
      else client.waiting.push(cb);
    };
    this.#clients.set(id, client);
    this.#all.add(client);
    const dropLater = (): void => {
      client.grace = setTimeout(() => this.#remove(client), this.graceMs);
    };
    listener.on('connection', (socket) => {
      clearTimeout(client.grace);
      client.sockets.add(socket);
      this.maxLiveGroups = Math.max(this.maxLiveGroups, this.liveGroups());
      socket.on('error', () => socket.destroy());
      socket.once('close', () => {
        client.sockets.delete(socket);
        client.available = client.available.filter((s) => s !== socket);
        if (client.sockets.size === 0 && this.#all.has(client)) dropLater();
      });
      const waiter = client.waiting.shift();
      if (waiter) waiter(null, socket);
      else client.available.push(socket);
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    dropLater();
    return (listener.address() as AddressInfo).port;
  }

  #remove(client: Client): void {
    clearTimeout(client.grace);
    if (this.#clients.get(client.id) === client) this.#clients.delete(client.id);
    this.#all.delete(client);
    client.listener.close();
    for (const socket of client.sockets) socket.destroy();
    for (const waiter of client.waiting.splice(0)) waiter(new Error('tunnel closed'));
    client.agent.destroy();
  }
}

/** An answer read whole. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends a request to 127.0.0.1:port with the given Host header (how tests reach `<id>.<domain>`). */
export function requestVia(port: number, host: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
