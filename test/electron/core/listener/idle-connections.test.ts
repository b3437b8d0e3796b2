import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IdleConnections } from '../../../../electron/core/listener/idle-connections.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
});

describe('IdleConnections', () => {
  it('closes a connection that carried no request for the limit, and keeps one that did', async () => {
    const server = http.createServer((req, res) => {
      idle.seen(req.socket);
      req.resume();
      res.end('ok');
    });
    server.keepAliveTimeout = 0;
    server.timeout = 0;
    const idle = new IdleConnections(server, 100, 25);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      idle.stop();
      server.closeAllConnections();
      server.close();
    });
    const port = (server.address() as AddressInfo).port;
    const open = (): { socket: net.Socket; closed: () => boolean } => {
      const socket = net.connect(port, '127.0.0.1');
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      socket.resume();
      cleanups.push(() => socket.destroy());
      return { socket, closed: () => closed };
    };
    const busy = open();
    const quiet = open();
    const started = Date.now();
    while (Date.now() - started < 400) {
      busy.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(quiet.closed()).toBe(true);
    expect(busy.closed()).toBe(false);
  });
});
