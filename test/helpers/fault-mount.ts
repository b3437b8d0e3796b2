/**
 * Real disk faults for tests, at the file-system boundary (no mocks):
 *  - a small tmpfs mounted on a temp folder, filled to the last page (ENOSPC), emptied again, and
 *    remounted read-only (EROFS);
 *  - the immutable attribute (`chattr +i`), which refuses writes even to root and, on ext4, even through
 *    a file descriptor opened before (a plain `chmod -w` stops neither root nor an open descriptor).
 * Each needs root on Linux; `mountSupport()` / `immutableSupport()` say why not otherwise, so a test can
 * skip with that reason printed. Everything mounted or made immutable is undone after each test.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const mounted: string[] = [];
const immutable = new Set<string>();

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function errorText(error: unknown): string {
  const e = error as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString().trim() || e.message || String(error)).split('\n')[0]!;
}

let mountVerdict: string | null | undefined;

/** Null when tmpfs can be mounted here; otherwise why not (printed by the skipping test). */
export function mountSupport(): string | null {
  if (mountVerdict !== undefined) return mountVerdict;
  if (process.platform !== 'linux') return (mountVerdict = `tmpfs faults need Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0) return (mountVerdict = 'tmpfs faults need root (mount is not permitted to this user)');
  const probe = mkdtempSync(path.join(os.tmpdir(), 'b24dm-mount-probe-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
    run('umount', [probe]);
    mountVerdict = null;
  } catch (error) {
    mountVerdict = `mount -t tmpfs is not permitted here: ${errorText(error)}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  return mountVerdict;
}

export interface Tmpfs {
  /** The mount point (empty at first). */
  dir: string;
  /** Writes a filler file until the file system refuses (ENOSPC); returns the bytes written. */
  fill(): number;
  /** Deletes the filler: space returns. */
  release(): void;
  /** Bytes still available to unprivileged writes. */
  available(): number;
  /** `mount -o remount,ro|rw`; returns the refusal text when the kernel refuses (e.g. busy), else null. */
  remount(mode: 'ro' | 'rw'): string | null;
}

/** Mounts a fresh tmpfs of `sizeBytes` (call mountSupport() first). Unmounted after the test. */
export function mountTmpfs(sizeBytes: number, options: { inodes?: number } = {}): Tmpfs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'b24dm-tmpfs-'));
  const opts = [`size=${sizeBytes}`, 'mode=0700', ...(options.inodes ? [`nr_inodes=${options.inodes}`] : [])];
  run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
  mounted.push(dir);
  const filler = path.join(dir, 'zz-filler.bin');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      let written = 0;
      try {
        for (const size of [1 << 20, 1 << 16, 4096, 512, 64, 1]) {
          const chunk = Buffer.alloc(size, 0x5a);
          for (;;) {
            try {
              written += writeSync(fd, chunk);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
              break;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    release() {
      unlinkSync(filler);
    },
    available() {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    remount(mode) {
      try {
        run('mount', ['-o', `remount,${mode}`, dir]);
        return null;
      } catch (error) {
        return errorText(error);
      }
    },
  };
}

let immutableVerdict: string | null | undefined;
let immutableBase = os.tmpdir();

/** Where chattr faults are made: the temp folder, or (if it is tmpfs, say) a cache folder in the project. */
const IMMUTABLE_CANDIDATES = [os.tmpdir(), path.resolve('node_modules/.cache/b24dm-faults')];

function probeImmutable(base: string): string | null {
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, 'b24dm-chattr-probe-'));
  const file = path.join(dir, 'probe');
  const fd = openSync(file, 'a');
  try {
    run('chattr', ['+i', file]);
    let verdict: string | null;
    try {
      writeSync(fd, 'x');
      verdict = `the file system of ${base} does not enforce the immutable attribute on open files`;
    } catch {
      verdict = null;
    }
    run('chattr', ['-i', file]);
    return verdict;
  } catch (error) {
    return `chattr +i is not permitted in ${base}: ${errorText(error)}`;
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Null when `chattr +i` works and refuses writes through an already-open descriptor (ext4 does; tmpfs
 * and some others only refuse new opens) in the temp folder or a project cache folder; otherwise why not.
 */
export function immutableSupport(): string | null {
  if (immutableVerdict !== undefined) return immutableVerdict;
  if (process.platform !== 'linux') return (immutableVerdict = `chattr needs Linux (this is ${process.platform})`);
  const reasons: string[] = [];
  for (const base of IMMUTABLE_CANDIDATES) {
    const reason = probeImmutable(base);
    if (reason === null) {
      immutableBase = base;
      return (immutableVerdict = null);
    }
    reasons.push(reason);
  }
  return (immutableVerdict = reasons.join('; '));
}

/** Sets or clears the immutable attribute (`chattr ±i`) on each path. Cleared after the test in any case. */
export function setImmutable(paths: string[], on: boolean): void {
  if (paths.length === 0) return;
  run('chattr', [on ? '+i' : '-i', ...paths]);
  for (const p of paths) {
    if (on) immutable.add(p);
    else immutable.delete(p);
  }
}

/** A fresh data folder where chattr faults work (call immutableSupport() first). Removed after the test. */
export function plainTempDir(): string {
  const dir = mkdtempSync(path.join(immutableBase, 'b24dm-ro-'));
  mounted.push(`plain:${dir}`);
  mkdirSync(path.join(dir, 'data'));
  return path.join(dir, 'data');
}

afterEach(() => {
  if (immutable.size > 0) {
    try {
      run('chattr', ['-i', ...immutable]);
    } catch {
      /* gone already */
    }
    immutable.clear();
  }
  for (const entry of mounted.splice(0).reverse()) {
    if (entry.startsWith('plain:')) {
      rmSync(entry.slice(6), { recursive: true, force: true });
      continue;
    }
    try {
      run('umount', [entry]);
    } catch {
      try {
        run('umount', ['-l', entry]); // still busy (a test failed with the core running): detach lazily
      } catch {
        /* nothing more to do */
      }
    }
    rmSync(entry, { recursive: true, force: true });
  }
});
