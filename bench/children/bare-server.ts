/**
 * The ceiling: a bare node:http server in its own process that reads each request body and answers
 * 200 with the listener's small JSON acknowledgement. No parsing, no storage.
 * Prints `events: http://127.0.0.1:PORT/` like `serve`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const ACK = JSON.stringify({ ok: true, stored: true });
const HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(ACK), 'Cache-Control': 'no-store' };

const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, HEADERS);
    res.end(ACK);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`events: http://127.0.0.1:${(server.address() as AddressInfo).port}/\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
