import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';
import { EXPORT_BIN, startServe } from '../../../helpers/serve-process.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const RUNS = 10;
const CONNECTIONS = 16;
const template = fixture('dynamic-item-delete-no-user.form');

function post(agent: http.Agent, port: number, itemId: number): Promise<number> {
  const body = template.replace('data%5BFIELDS%5D%5BID%5D=24', `data%5BFIELDS%5D%5BID%5D=${itemId}`);
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0)); // killed mid-request: no answer, no promise made
    req.end(body);
  });
}

describe('serve under SIGKILL', () => {
  it(`keeps every acknowledged event across ${RUNS} kills during a burst, none twice, every file readable`, async () => {
    const dataDir = tempDir();
    const acknowledged = new Set<number>();
    let nextItem = 1;
    let sent = 0;
    for (let run = 0; run < RUNS; run++) {
      const serve = await startServe(['--data-dir', dataDir, '--port', '0', '--no-tunnel', '--no-dashboard', '--token', SEED_TOKEN]);
      const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
      let killed = false;
      const workers = Array.from({ length: CONNECTIONS }, async () => {
        while (!killed) {
          const itemId = nextItem++;
          sent++;
          const status = await post(agent, serve.eventsPort, itemId);
          if (status === 200) acknowledged.add(itemId);
          else if (status !== 0) throw new Error(`unexpected ${status} for item ${itemId}`);
        }
      });
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 350));
      serve.child.kill('SIGKILL');
      killed = true;
      await serve.exited;
      await Promise.all(workers);
      agent.destroy();
    }

    // A last start recovers whatever the final kill left; SIGTERM then stops it cleanly.
    const last = await startServe(['--data-dir', dataDir, '--port', '0', '--no-tunnel', '--no-dashboard']);
    last.child.kill('SIGTERM');
    expect(await last.exited).toEqual({ code: 0, signal: null });

    const out = path.join(dataDir, 'all.csv');
    execFileSync(process.execPath, [EXPORT_BIN, '--data-dir', dataDir, '--out', out]);
    const rows = (parse(readFileSync(out), { bom: true }) as string[][]).slice(1);
    const exported = rows.map((r) => Number(r[5]));
    const missing = [...acknowledged].filter((id) => !exported.includes(id));
    expect(missing).toEqual([]);
    expect(new Set(exported).size).toBe(exported.length);

    const logDir = path.join(dataDir, 'log');
    for (const name of readdirSync(logDir)) {
      const file = path.join(logDir, name);
      if (name.endsWith('.json')) expect(() => JSON.parse(readFileSync(file, 'utf8')), name).not.toThrow();
      if (name.endsWith('.jsonl')) for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) JSON.parse(line);
    }
    expect(readdirSync(logDir).filter((n) => n === 'damaged')).toEqual([]);
    for (const name of ['settings.json', 'quarantine.json']) JSON.parse(readFileSync(path.join(dataDir, name), 'utf8'));
    console.log(`crash test: ${RUNS} SIGKILLs, ${sent} posts, ${acknowledged.size} acknowledged, ${exported.length} exported, 0 missing, 0 duplicates`);
  }, 120_000);
});
