/**
 * The naive design the store avoids (README baseline): lowdb with the whole history in one JSON file and
 * one `db.write()` per event (no group commit, no segments; lowdb's own temp file + rename, no fsync).
 * Usage: naive-lowdb-server DBFILE. Prints `events: http://127.0.0.1:PORT/`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';

interface NaiveRecord {
  event: string;
  itemId: number;
  entityTypeId: number;
  sentAt: number;
  receivedAt: number;
  portal: string;
  memberId: string | null;
}

const file = process.argv[2];
if (!file) throw new Error('usage: naive-lowdb-server DBFILE');
const db = new Low<{ deletions: NaiveRecord[] }>(new JSONFile(file), { deletions: [] });
await db.read();

const ACK = JSON.stringify({ ok: true, stored: true });
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    db.data.deletions.push({
      event: form.get('event') ?? '',
      itemId: Number(form.get('data[FIELDS][ID]')),
      entityTypeId: Number(form.get('data[FIELDS][ENTITY_TYPE_ID]')),
      sentAt: Number(form.get('ts')) * 1000,
      receivedAt: Date.now(),
      portal: form.get('auth[domain]') ?? '',
      memberId: form.get('auth[member_id]'),
    });
    db.write().then(
      () => {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(ACK) });
        res.end(ACK);
      },
      (error: unknown) => {
        res.writeHead(503);
        res.end(String(error));
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`events: http://127.0.0.1:${(server.address() as AddressInfo).port}/\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
