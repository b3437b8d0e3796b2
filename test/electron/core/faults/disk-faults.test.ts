/**
 * Disk faults, injected for real at the file-system boundary (test/helpers/fault-mount.ts):
 *  - full disk: a 4 MiB tmpfs filled to the last page while the monitor runs;
 *  - read-only: the tmpfs remounted read-only between runs (a live journal makes the kernel refuse a
 *    read-only remount: EBUSY), and the immutable attribute on the log's folder and files while it runs;
 *  - a folder that refuses new files while the open journal still accepts appends (what `chmod -w` on the
 *    folder does to a non-root user), across a segment boundary.
 * Each: posts are answered 503 (never 2xx, never a hang), what was stored stays intact, the status and
 * /health show the fault with its error text, writes work again without a restart once the fault is gone,
 * and every 200-acknowledged event is in the log after recovery, after a restart and in the CSV export.
 * Tests skip with the reason printed where mount/chattr are not permitted (they need root on Linux).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { MonitorCore } from '../../../../electron/core/monitor-core.js';
import { startCore } from '../../../helpers/core-harness.js';
import { immutableSupport, mountSupport, mountTmpfs, plainTempDir, setImmutable } from '../../../helpers/fault-mount.js';
import { SEED_TOKEN } from '../../../helpers/fixtures.js';
import { request, type RawResponse } from '../../../helpers/http-client.js';
import { EXPORT_BIN } from '../../../helpers/serve-process.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const report: string[] = [];
let faultsInjected = 0;
afterAll(() => {
  console.log(`disk faults: ${faultsInjected} fault(s) injected\n  ${report.join('\n  ')}`);
});

let nextItem = 1000;

/** A deletion with a fresh item id, as the portal posts it. */
function deletionBody(itemId: number): string {
  return new URLSearchParams({
    event: 'ONCRMDEALDELETE',
    event_handler_id: '14',
    'data[FIELDS][ID]': String(itemId),
    ts: String(Math.floor(Date.now() / 1000)),
    'auth[domain]': 'some-domain.bitrix24.com',
    'auth[member_id]': 'a223c6b3710f85df22e9377d6c4f7553',
    'auth[application_token]': SEED_TOKEN,
  }).toString();
}

/** Who was told what: 200 means stored (must be found later), 503 means not stored. */
class Ledger {
  readonly acked = new Set<number>();
  readonly refused = new Set<number>();
  readonly statuses = new Map<number, number>();

  /** Posts one new deletion; fails the test on a hang (no answer in 8 s) or an answer other than 200/503. */
  async post(port: number): Promise<RawResponse> {
    const itemId = nextItem++;
    const body = deletionBody(itemId);
    const answer = await Promise.race([
      request(port, { body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`item ${itemId}: no answer within 8 s (the listener hangs)`)), 8_000)),
    ]);
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    if (answer.status === 200) this.acked.add(itemId);
    else if (answer.status === 503) this.refused.add(itemId);
    else throw new Error(`item ${itemId}: unexpected ${answer.status} ${answer.text}`);
    return answer;
  }

  async postMany(port: number, n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await this.post(port)).status);
    return statuses;
  }
}

async function storedItems(core: MonitorCore): Promise<number[]> {
  const items: number[] = [];
  for await (const batch of core.store.scan({})) items.push(...batch.map((r) => r.itemId));
  return items;
}

/** Every acknowledged event is stored exactly once, nothing refused was stored. */
async function expectLogMatches(core: MonitorCore, ledger: Ledger, when: string): Promise<number> {
  const items = await storedItems(core);
  expect(new Set(items).size, `${when}: duplicates`).toBe(items.length);
  const missing = [...ledger.acked].filter((id) => !items.includes(id));
  expect(missing, `${when}: acknowledged but missing`).toEqual([]);
  const refusedButStored = items.filter((id) => ledger.refused.has(id));
  expect(refusedButStored, `${when}: answered 503 but stored`).toEqual([]);
  expect(items.length, when).toBe(ledger.acked.size);
  return items.length;
}

function exportedItems(dataDir: string): number[] {
  const out = path.join(tempDir(), 'export.csv');
  execFileSync(process.execPath, [EXPORT_BIN, '--data-dir', dataDir, '--out', out], { stdio: 'pipe' });
  const [header, ...rows] = parse(readFileSync(out), { bom: true }) as string[][];
  const column = header!.indexOf('Item id');
  return rows.map((r) => Number(r[column]));
}

async function health(port: number): Promise<{ status: string; store: { ok: boolean; error: string | null; damagedFiles: number } }> {
  const answer = await request(port, { method: 'GET', path: '/health' });
  expect(answer.status).toBe(200);
  return answer.json();
}

/** Hashes of every file under `dir`: what "nothing already stored damaged" compares. */
function fileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Unhandled rejections and exceptions while a fault is active fail the test (in `serve` they end the process). */
function watchUnhandled(): { errors: unknown[]; stop: () => void } {
  const errors: unknown[] = [];
  const record = (error: unknown): void => void errors.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return { errors, stop: () => (process.off('unhandledRejection', record), process.off('uncaughtException', record)) };
}

describe('disk faults', () => {
  it('full disk (tmpfs): 503 while full, the status says ENOSPC, recovery without restart, nothing acknowledged lost', async (ctx) => {
    const reason = mountSupport();
    if (reason) {
      console.log(`disk faults: SKIPPED full disk: ${reason}`);
      return ctx.skip();
    }
    const disk = mountTmpfs(4 * 1024 * 1024);
    const dataDir = path.join(disk.dir, 'data');
    const ledger = new Ledger();
    const unhandled = watchUnhandled();
    let { core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 40 });
    try {
      expect(await ledger.postMany(port, 100)).toEqual(Array(100).fill(200));

      const filled = disk.fill();
      faultsInjected++;
      expect(disk.available()).toBe(0);
      // The journal's last page may still take a few lines; then every post is refused.
      let slack = 0;
      while ((await ledger.post(port)).status === 200) {
        slack++;
        expect(slack, 'the disk is full but posts keep being acknowledged').toBeLessThan(200);
      }
      const refusals = await ledger.postMany(port, 25);
      expect(refusals).toEqual(Array(25).fill(503));
      const refusal = await ledger.post(port);
      expect(refusal.status).toBe(503);
      expect(refusal.json().error).toMatch(/ENOSPC|no space/i);

      const status = await core.getStatus();
      expect(status.store.ok).toBe(false);
      expect(status.store.error).toMatch(/ENOSPC|no space left/i);
      const sick = await health(port);
      expect(sick).toMatchObject({ status: 'degraded', store: { ok: false } });
      expect(sick.store.error).toMatch(/ENOSPC|no space/i);
      // Other writers fail quietly: a refused-token request (quarantine), a settings change.
      const forged = deletionBody(nextItem++).replace(SEED_TOKEN, 'f'.repeat(32));
      expect((await request(port, { body: forged, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': forged.length } })).status).toBe(401);
      await Promise.race([core.updateSettings({ notifications: false }).catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);

      disk.release();
      // Space is back: the very next post is stored, and the status clears.
      expect((await ledger.post(port)).status).toBe(200);
      expect((await core.getStatus()).store).toMatchObject({ ok: true, error: null });
      expect((await health(port)).status).toBe('ok');
      expect(await ledger.postMany(port, 100)).toEqual(Array(100).fill(200));

      const afterRecovery = await expectLogMatches(core, ledger, 'after recovery');
      await core.stop();
      ({ core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 40 }));
      const afterRestart = await expectLogMatches(core, ledger, 'after restart');
      const damaged = (await core.getStatus()).store.quarantinedFiles;
      await core.stop();
      const exported = exportedItems(dataDir);
      expect(exported.sort((a, b) => a - b)).toEqual([...ledger.acked].sort((a, b) => a - b));
      expect(unhandled.errors).toEqual([]);
      report.push(
        `full disk (tmpfs 4 MiB, ${filled} filler bytes): ${ledger.acked.size} acknowledged (${slack} in the journal's last page after the fill), ${ledger.refused.size} refused with 503; ` +
          `found ${afterRecovery} after recovery, ${afterRestart} after restart, ${exported.length} in the CSV export; damaged files reported at restart: ${damaged.length}`,
      );
      // Unfinished segment writes from the outage are not damage: the journal kept every record.
      expect(damaged, 'a false "damaged file" alarm after a full disk').toEqual([]);
    } finally {
      unhandled.stop();
      await core.stop().catch(() => undefined); // the assertion that failed is the news, not a failing stop
    }
  }, 90_000);

  it('read-only remount (tmpfs): refused while the journal is open; a monitor started on it fails cleanly and touches nothing', async (ctx) => {
    const reason = mountSupport();
    if (reason) {
      console.log(`disk faults: SKIPPED read-only remount: ${reason}`);
      return ctx.skip();
    }
    const disk = mountTmpfs(4 * 1024 * 1024);
    const dataDir = path.join(disk.dir, 'data');
    const ledger = new Ledger();
    let { core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 40 });
    try {
      expect(await ledger.postMany(port, 60)).toEqual(Array(60).fill(200));
      // The kernel will not make a file system read-only under a file open for writing.
      const busy = disk.remount('ro');
      expect(busy, 'remount,ro succeeded under a live journal').toMatch(/busy/i);
      await core.stop();

      const before = fileHashes(dataDir);
      expect(disk.remount('ro')).toBeNull();
      faultsInjected++;
      const started = MonitorCore.start({ dataDir, port: 0, tunnel: { enabled: false }, fsync: true, tokens: [SEED_TOKEN] });
      await expect(started).rejects.toThrow(/EROFS|read-only/i);
      expect(disk.remount('rw')).toBeNull();
      expect(fileHashes(dataDir)).toEqual(before);

      ({ core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 40 }));
      expect(await ledger.postMany(port, 10)).toEqual(Array(10).fill(200));
      const found = await expectLogMatches(core, ledger, 'after the read-only start');
      report.push(`read-only remount: refused (busy) under a live journal; start on the read-only mount rejected with EROFS, files unchanged; ${ledger.acked.size} acknowledged, ${found} found`);
    } finally {
      await core.stop().catch(() => undefined);
    }
  }, 60_000);

  it('read-only log (immutable folder and files): 503 while read-only, status shows it, recovery without restart, nothing lost', async (ctx) => {
    const reason = immutableSupport();
    if (reason) {
      console.log(`disk faults: SKIPPED immutable log: ${reason}`);
      return ctx.skip();
    }
    const dataDir = plainTempDir();
    const logDir = path.join(dataDir, 'log');
    const ledger = new Ledger();
    const unhandled = watchUnhandled();
    let { core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 1000 });
    try {
      expect(await ledger.postMany(port, 50)).toEqual(Array(50).fill(200));
      const stored = fileHashes(logDir);
      setImmutable([logDir, ...readdirSync(logDir).map((n) => path.join(logDir, n))], true);
      faultsInjected++;
      expect(await ledger.postMany(port, 20)).toEqual(Array(20).fill(503));
      const status = await core.getStatus();
      expect(status.store).toMatchObject({ ok: false });
      expect(status.store.error).toMatch(/EPERM|not permitted/i);
      expect((await health(port)).store.ok).toBe(false);
      expect(fileHashes(logDir), 'the stored log changed while read-only').toEqual(stored);

      setImmutable([logDir, ...readdirSync(logDir).map((n) => path.join(logDir, n))], false);
      expect((await ledger.post(port)).status).toBe(200);
      expect((await core.getStatus()).store).toMatchObject({ ok: true, error: null });
      expect(await ledger.postMany(port, 30)).toEqual(Array(30).fill(200));
      const afterRecovery = await expectLogMatches(core, ledger, 'after recovery');
      await core.stop();
      ({ core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 1000 }));
      const afterRestart = await expectLogMatches(core, ledger, 'after restart');
      expect(unhandled.errors).toEqual([]);
      report.push(`immutable log: ${ledger.acked.size} acknowledged, ${ledger.refused.size} refused with 503; found ${afterRecovery} after recovery, ${afterRestart} after restart`);
    } finally {
      unhandled.stop();
      await core.stop().catch(() => undefined); // the assertion that failed is the news, not a failing stop
    }
  }, 60_000);

  it('a folder that refuses new files at a segment boundary: 503 (no hang, no crash), recovery without restart, nothing lost', async (ctx) => {
    const reason = immutableSupport();
    if (reason) {
      console.log(`disk faults: SKIPPED folder refusing new files: ${reason}`);
      return ctx.skip();
    }
    const dataDir = plainTempDir();
    const logDir = path.join(dataDir, 'log');
    const ledger = new Ledger();
    const unhandled = watchUnhandled();
    let { core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 10 });
    try {
      expect(await ledger.postMany(port, 5)).toEqual(Array(5).fill(200));
      // Only the folder: the open journal still takes appends, but no new journal or segment file can be made.
      setImmutable([logDir], true);
      faultsInjected++;
      const during = await ledger.postMany(port, 25);
      expect(during.filter((s) => s === 503).length, 'no 503 although the next segment cannot be created').toBeGreaterThan(0);
      expect((await core.getStatus()).store.ok).toBe(false);
      expect((await core.getStatus()).store.error).toMatch(/EPERM|not permitted/i);

      setImmutable([logDir], false);
      let attempts = 0;
      while ((await ledger.post(port)).status !== 200) expect(++attempts, 'no recovery once the folder is writable').toBeLessThan(10);
      expect((await core.getStatus()).store).toMatchObject({ ok: true, error: null });
      expect(await ledger.postMany(port, 25)).toEqual(Array(25).fill(200));
      const afterRecovery = await expectLogMatches(core, ledger, 'after recovery');
      await core.stop();
      ({ core, port } = await startCore({ dataDir, tokens: [SEED_TOKEN], fsync: true, segmentSize: 10 }));
      const afterRestart = await expectLogMatches(core, ledger, 'after restart');
      expect(unhandled.errors, 'unhandled errors (serve would exit)').toEqual([]);
      report.push(`folder refusing new files: ${ledger.acked.size} acknowledged, ${ledger.refused.size} refused with 503; found ${afterRecovery} after recovery, ${afterRestart} after restart`);
    } finally {
      unhandled.stop();
      setImmutable([logDir], false);
      await core.stop().catch(() => undefined);
    }
  }, 90_000);
});
