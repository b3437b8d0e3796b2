/**
 * A lowdb adapter that survives power loss as well as crashes: temp file, fsync, rename, fsync of the
 * folder. lowdb's own JSONFile renames without fsync, and JSONFilePreset writes nothing under Vitest.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

/** Suffix of the temp file a write goes through; recovery looks for it at start. */
export const TEMP_SUFFIX = '.tmp';

/** Writes `text` to `file` atomically and durably. */
export async function writeFileDurably(file: string, text: string | Buffer, fsync = true): Promise<void> {
  const temp = file + TEMP_SUFFIX;
  const handle = await open(temp, 'w', 0o600);
  try {
    try {
      await handle.writeFile(text);
      if (fsync) await handle.datasync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // A half-written temp file (a full disk) holds nothing the target lacks: do not leave it behind.
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await rename(temp, file);
  if (fsync) await syncFolder(path.dirname(file));
}

/** Makes a rename or unlink in `folder` durable (a no-op where folders cannot be opened, e.g. Windows). */
export async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Windows cannot fsync a directory; its renames are journaled by NTFS.
  } finally {
    await handle?.close();
  }
}

/** lowdb adapter for one JSON file; writes are serialised and the newest pending one wins. */
export class DurableJsonFile<T> implements Adapter<T> {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly options: { fsync?: boolean; indent?: number } = {},
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return JSON.parse(text) as T;
  }

  write(data: T): Promise<void> {
    // Stringify now: the caller may mutate `data` while an earlier write is still on disk.
    const text = JSON.stringify(data, null, this.options.indent);
    const next = this.chain.then(() => writeFileDurably(this.file, text, this.options.fsync ?? true));
    this.chain = next.catch(() => undefined);
    return next;
  }
}
