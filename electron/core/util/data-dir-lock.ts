/**
 * One monitor per data folder: two writers appending to the same journal would corrupt the log.
 *
 * The lock is something the kernel holds for the process and drops the moment the process dies,
 * whatever happens to it afterwards (a zombie nobody reaps, a pid reused after a reboot): never a pid
 * compared with the process table.
 * - Linux: a listening Unix socket in the abstract namespace, named after the folder's device and
 *   inode (so two paths to one folder share it). No file is left behind by a crash.
 * - Windows: a named pipe, named the same way (the first instance is exclusive).
 * - macOS and other BSDs: `open(O_EXLOCK | O_NONBLOCK)` on `monitor.lock`, a flock(2) the kernel holds.
 * The holder answers a connection (or keeps in the file) who it is, so a refused second monitor can
 * say which process holds the folder; that pid is only shown, never trusted.
 */
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync, ftruncateSync, constants as fsConstants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createHash } from 'node:crypto';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

/** What the holder tells a monitor it refuses. */
export interface LockHolder {
  pid: number;
  /** `serve`, `desktop`, … as the holder called itself. */
  kind: string;
  since: number;
}

export type LockStrategy = 'abstract-socket' | 'named-pipe' | 'exlock-file';

export interface LockOptions {
  /** Who we are, shown to a monitor we refuse. */
  kind?: string;
  /** Overrides the platform's strategy (tests). */
  strategy?: LockStrategy;
}

/** The release function of a held lock; safe to call twice. */
export type ReleaseLock = () => void;

/** Files that earlier versions left and that mean nothing now. */
const LEGACY_PID_FILE = 'monitor.lock';
/** BSD open(2) flags that Node's fs.constants does not name (sys/fcntl.h, same on macOS and FreeBSD). */
const O_EXLOCK = 0x20;
const BSD_O_NONBLOCK = 0x4;

function defaultStrategy(): LockStrategy {
  if (process.platform === 'linux') return 'abstract-socket';
  if (process.platform === 'win32') return 'named-pipe';
  return 'exlock-file';
}

/** A name for the folder that every path to it shares: its device and inode. */
function folderKey(dataDir: string): string {
  const st = statSync(dataDir, { bigint: true });
  // Some file systems (FAT on Windows) report no inode: the real path is the next best name.
  const extra = st.ino === 0n ? realpathSync.native(dataDir).toLowerCase() : '';
  return createHash('sha256').update(`b24dm-lock\0${st.dev}:${st.ino}:${extra}`).digest('hex').slice(0, 32);
}

export function lockAddress(dataDir: string, strategy: LockStrategy): string {
  const key = folderKey(dataDir);
  return strategy === 'named-pipe' ? `\\\\?\\pipe\\b24dm-${key}` : `\0b24dm-${key}`;
}

function describeHolder(holder: LockHolder | null, dataDir: string): string {
  if (!holder) return `another monitor is using ${dataDir}`;
  const since = new Date(holder.since).toISOString().replace(/\.\d+Z$/, 'Z');
  return `another monitor (${holder.kind}, pid ${holder.pid}, running since ${since}) is using ${dataDir}`;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.kind === 'string' && typeof value.since === 'number') {
      return { pid: value.pid, kind: value.kind.slice(0, 40), since: value.since };
    }
  } catch {
    /* not ours, or cut short */
  }
  return null;
}

/** Asks the socket's holder who it is; null when it does not say within a second. */
function askHolder(address: string): Promise<LockHolder | null> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    const chunks: Buffer[] = [];
    const done = (holder: LockHolder | null): void => {
      socket.destroy();
      resolve(holder);
    };
    socket.setTimeout(1000, () => done(null));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).length > 4096) done(null);
    });
    socket.on('end', () => done(parseHolder(Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', () => done(null));
  });
}

function removeLegacyPidFile(dataDir: string): void {
  try {
    unlinkSync(path.join(dataDir, LEGACY_PID_FILE));
  } catch {
    /* none */
  }
}

async function lockWithSocket(dataDir: string, address: string, me: LockHolder): Promise<ReleaseLock> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(JSON.stringify(me));
  });
  // Not a reason to keep the process alive: the lock lives exactly as long as the monitor does.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
    throw new DataDirLockedError(describeHolder(await askHolder(address), dataDir));
  });
  // A pid file of an earlier version is meaningless beside the kernel's lock; it only confuses readers.
  if (address.startsWith('\0')) removeLegacyPidFile(dataDir);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    server.close();
  };
}

function lockWithExlockFile(dataDir: string, me: LockHolder): ReleaseLock {
  const file = path.join(dataDir, LEGACY_PID_FILE);
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDWR | fsConstants.O_CREAT | O_EXLOCK | BSD_O_NONBLOCK, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw error;
    let holder: LockHolder | null = null;
    try {
      holder = parseHolder(readFileSync(file, 'utf8'));
    } catch {
      /* unreadable: say so without a name */
    }
    throw new DataDirLockedError(describeHolder(holder, dataDir));
  }
  ftruncateSync(fd, 0);
  writeSync(fd, JSON.stringify(me), 0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // Closing drops the flock; the file stays (removing it would race a monitor that just opened it).
    closeSync(fd);
  };
}

/**
 * Takes the lock of `dataDir` (creating the folder); resolves to its release function. Rejects with
 * DataDirLockedError, naming the folder and, when it says, the holder, if another monitor holds it.
 */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<ReleaseLock> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const me: LockHolder = { pid: process.pid, kind: options.kind ?? 'monitor', since: Date.now() };
  const strategy = options.strategy ?? defaultStrategy();
  if (strategy === 'exlock-file') return lockWithExlockFile(dataDir, me);
  return lockWithSocket(dataDir, lockAddress(dataDir, strategy), me);
}
