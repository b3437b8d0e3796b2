import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../../../electron/core/util/data-dir-lock.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('lockDataDir', () => {
  it('refuses a second holder, naming the folder and the holder, until the first releases', async () => {
    const dir = tempDir();
    const release = await lockDataDir(dir, { kind: 'serve' });
    const refused = await lockDataDir(dir, { kind: 'desktop' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toMatch(new RegExp(`^another monitor \\(serve, pid ${process.pid}, running since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\) is using ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    release();
    release(); // twice is harmless
    const again = await lockDataDir(dir);
    again();
  });

  it('is one lock for every path to the folder (a symlink shares it)', async () => {
    const dir = tempDir();
    const link = path.join(tempDir(), 'via-link');
    symlinkSync(dir, link);
    const release = await lockDataDir(dir);
    await expect(lockDataDir(link)).rejects.toBeInstanceOf(DataDirLockedError);
    release();
  });

  it('gives other folders their own locks', async () => {
    const a = await lockDataDir(tempDir());
    const b = await lockDataDir(tempDir());
    a();
    b();
  });

  it('creates the folder it is given', async () => {
    const dir = path.join(tempDir(), 'new', 'folder');
    const release = await lockDataDir(dir);
    expect(existsSync(dir)).toBe(true);
    release();
  });

  it('takes no notice of a pid file left by an earlier version, even one naming a live process, and removes it', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, 'monitor.lock'), String(sleeper.pid));
      const release = await lockDataDir(dir);
      expect(existsSync(path.join(dir, 'monitor.lock'))).toBe(false);
      release();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
