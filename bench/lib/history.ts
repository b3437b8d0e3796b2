/**
 * History for the benchmark: the log written directly in the store's own format through the store API
 * (in-process, fsync off), since 1M events through HTTP would take too long. Cached under
 * node_modules/.cache/bench-history-<size> (a data folder: `log/` inside) and reused; each scenario
 * copies it, since serving writes to it.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { DeletionStore } from '../../electron/core/store/deletion-store.js';
import { deletionId, type UnsequencedRecord } from '../../electron/core/events/deletion-record.js';

export const HISTORY_PORTAL = 'some-domain.bitrix24.com';
const CACHE_ROOT = path.resolve('node_modules/.cache');
/** Bumped when the generated records change shape, so an old cache is not reused. */
const HISTORY_FORMAT = 2;
/** The sources that decide the on-disk format: a cache written by other code is regenerated. */
const FORMAT_SOURCES = ['electron/core/store', 'electron/core/events/deletion-record.ts', 'bench/lib/history.ts'];

/** A hash of the store's sources (the cache key beside HISTORY_FORMAT). */
export function storeFingerprint(): string {
  const hash = createHash('sha256');
  const files = FORMAT_SOURCES.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).sort().map((n) => path.join(p, n)) : [p]));
  for (const file of files) hash.update(file).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}
/** History covers this many days, ending when it was generated. */
const SPAN_DAYS = 30;

const KINDS: readonly { event: string; entityTypeId: number }[] = [
  { event: 'ONCRMDYNAMICITEMDELETE', entityTypeId: 1220 },
  { event: 'ONCRMDYNAMICITEMDELETE', entityTypeId: 1220 },
  { event: 'ONCRMDYNAMICITEMDELETE', entityTypeId: 1220 },
  { event: 'ONCRMDYNAMICITEMDELETE', entityTypeId: 31 },
  { event: 'ONCRMDEALDELETE', entityTypeId: 2 },
  { event: 'ONCRMDEALDELETE', entityTypeId: 2 },
  { event: 'ONCRMCONTACTDELETE', entityTypeId: 3 },
  { event: 'ONCRMCOMPANYDELETE', entityTypeId: 4 },
  { event: 'ONCRMLEADDELETE', entityTypeId: 1 },
  { event: 'ONCRMDYNAMICITEMDELETE', entityTypeId: 1044 },
];

/** Deletion number `i` (1-based) of a history of `total` ending at `endMs`: item ids 1..total. */
export function historyRecord(i: number, total: number, endMs: number): UnsequencedRecord {
  const kind = KINDS[i % KINDS.length]!;
  const receivedAt = Math.round(endMs - ((total - i) * SPAN_DAYS * 86_400_000) / Math.max(1, total));
  const sentAt = Math.floor((receivedAt - 300) / 1000) * 1000; // `ts` is whole seconds
  const byUser = i % 3 === 0;
  return {
    id: deletionId(HISTORY_PORTAL, kind.event, i, kind.entityTypeId, sentAt),
    event: kind.event,
    handlerId: 6,
    itemId: i,
    entityTypeId: kind.entityTypeId,
    sentAt,
    receivedAt,
    portal: HISTORY_PORTAL,
    memberId: 'a223c6b3710f85df22e9377d6c4f7553',
    clientEndpoint: `https://${HISTORY_PORTAL}/rest/`,
    byUser,
    userId: byUser ? 1 + (i % 40) : null,
    tokenFp: 'abcdef12',
  };
}

export interface HistoryInfo {
  size: number;
  /** The data folder to copy (holds `log/`). */
  dataDir: string;
  /** How long writing it took (ms), when it was generated. */
  generatedMs: number;
  generatedAt: string;
  /** True when this run reused a cached copy. */
  cached: boolean;
  bytes: number;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirRecursive(dir)) total += entry;
  return total;
}

function readdirRecursive(dir: string): number[] {
  const sizes: number[] = [];
  for (const name of readdirSyncSafe(dir)) {
    const full = path.join(dir, name.name);
    if (name.isDirectory()) sizes.push(...readdirRecursive(full));
    else sizes.push(statSizeSafe(full));
  }
  return sizes;
}

function readdirSyncSafe(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
function statSizeSafe(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Writes `size` deletions into `dataDir/log` with the store API; returns the time taken (ms). */
export async function writeHistory(dataDir: string, size: number, endMs = Date.now()): Promise<number> {
  const started = performance.now();
  const store = await DeletionStore.open({ dir: path.join(dataDir, 'log'), fsync: false });
  const chunk = 5000;
  for (let i = 0; i < size; i += chunk) {
    const n = Math.min(chunk, size - i);
    await Promise.all(Array.from({ length: n }, (_, j) => store.add(historyRecord(i + j + 1, size, endMs))));
  }
  await store.close();
  return performance.now() - started;
}

/** The cached history of `size` deletions, generating it when missing (or from an older format). */
export async function cachedHistory(size: number, log: (line: string) => void): Promise<HistoryInfo> {
  const label = size >= 1_000_000 && size % 1_000_000 === 0 ? `${size / 1_000_000}m` : size >= 1000 && size % 1000 === 0 ? `${size / 1000}k` : String(size);
  const dataDir = path.join(CACHE_ROOT, `bench-history-${label}`);
  const metaFile = path.join(dataDir, 'bench-history.json');
  if (existsSync(metaFile)) {
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Omit<HistoryInfo, 'cached' | 'dataDir'> & { format: number; store: string };
      if (meta.format === HISTORY_FORMAT && meta.store === storeFingerprint() && meta.size === size) {
        const { format: _format, store: _store, ...rest } = meta;
        log(`history ${label}: cached in ${path.relative(process.cwd(), dataDir)} (written in ${(meta.generatedMs / 1000).toFixed(1)} s on ${meta.generatedAt})`);
        return { ...rest, dataDir, cached: true };
      }
    } catch {
      /* regenerate */
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const fingerprint = storeFingerprint();
  log(`history ${label}: writing ${size} deletions with the store API (fsync off) ...`);
  const generatedMs = await writeHistory(dataDir, size);
  const info = { size, generatedMs, generatedAt: new Date().toISOString(), bytes: dirBytes(path.join(dataDir, 'log')) };
  writeFileSync(metaFile, JSON.stringify({ format: HISTORY_FORMAT, store: fingerprint, ...info }, null, 2));
  log(`history ${label}: written in ${(generatedMs / 1000).toFixed(1)} s (${(info.bytes / 1e6).toFixed(0)} MB)`);
  return { ...info, dataDir, cached: false };
}

/** A fresh copy of a history folder (or an empty folder for no history) for one scenario. */
export function copyHistory(history: HistoryInfo | null, target: string): number {
  const started = performance.now();
  rmSync(target, { recursive: true, force: true });
  if (history) cpSync(history.dataDir, target, { recursive: true });
  else mkdirSync(target, { recursive: true });
  return performance.now() - started;
}
