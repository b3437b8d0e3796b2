/**
 * One monitor per data folder, held by the kernel: a `serve` killed with SIGKILL, even one left a
 * zombie, or a lock leftover naming some live process, never keeps the next monitor from starting;
 * a second monitor on a folder in use is refused at once and the first goes on answering.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';
import { spawnNode } from '../../../helpers/node-process.js';
import { EXPORT_BIN, SERVE_BIN, startServe } from '../../../helpers/serve-process.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const SERVE_ARGS = ['--port', '0', '--no-tunnel', '--no-dashboard'];

/** `npm run serve` as the README starts it: npm → sh → node, in a process group of its own. */
function npmServe(dataDir: string): { npm: ChildProcess; events: Promise<string>; output: () => string } {
  const npm = spawn('npm', ['run', '--silent', 'serve', '--', '--data-dir', dataDir, ...SERVE_ARGS, '--token', SEED_TOKEN], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const events = new Promise<string>((resolve, reject) => {
    npm.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^events: (\S+)$/m.exec(output);
      if (match) resolve(match[1]!);
    });
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.on('exit', (code) => reject(new Error(`npm run serve exited (${code}) before "events:":\n${output}`)));
    // The first start may build the dashboard's renderer; anything past this is a monitor that never started.
    setTimeout(() => reject(new Error(`npm run serve printed no "events:" line in 90 s:\n${output}`)), 90_000).unref();
  });
  return { npm, events, output: () => output };
}

/** pid → parent pid, state and argv, read from /proc. */
function processTable(): Map<number, { ppid: number; state: string; argv: string[] }> {
  const table = new Map<number, { ppid: number; state: string; argv: string[] }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      table.set(Number(name), { ppid: Number(ppid), state: state!, argv });
    } catch {
      /* gone meanwhile */
    }
  }
  return table;
}

function descendants(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, info] of table) {
      if (info.ppid !== pid) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

async function post(eventsUrl: string): Promise<number> {
  const response = await fetch(eventsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fixture('dynamic-item-delete.form') });
  await response.arrayBuffer();
  return response.status;
}

describe.runIf(process.platform === 'linux')('the data folder lock', () => {
  it('lets a monitor start after `npm run serve` was SIGKILLed and left a zombie', { timeout: 180_000 }, async () => {
    const dataDir = tempDir();
    const first = npmServe(dataDir);
    try {
      expect(await post(await first.events)).toBe(200);
      // The node running serve is a grandchild of npm; its parent (the shell npm started) is stopped so
      // that nobody reaps it: killed, it stays in the process table as a zombie, pid and all.
      // (The shell's own command line names serve.js too: the one to kill is node running it.)
      const serve = descendants(first.npm.pid!).find((pid) => {
        const argv = processTable().get(pid)?.argv ?? [];
        return path.basename(argv[0] ?? '') === 'node' && argv[1] === 'dist/cli/serve.js';
      });
      expect(serve, `no serve process under npm (pid ${first.npm.pid})`).toBeDefined();
      const parent = processTable().get(serve!)!.ppid;
      process.kill(parent, 'SIGSTOP');
      process.kill(serve!, 'SIGKILL');
      await expect.poll(() => stateOf(serve!), { timeout: 10_000 }).toBe('Z');
      // The pid still "exists" for kill(pid, 0), which is what the old pid-file lock asked.
      expect(() => process.kill(serve!, 0)).not.toThrow();

      const second = npmServe(dataDir);
      try {
        const events = await second.events;
        expect(await post(events)).toBe(200);
        expect(stateOf(serve!)).toBe('Z'); // still a zombie while the new monitor runs
      } finally {
        process.kill(-second.npm.pid!, 'SIGTERM');
        await new Promise((resolve) => second.npm.once('exit', resolve));
      }
    } finally {
      try {
        process.kill(-first.npm.pid!, 'SIGCONT');
        process.kill(-first.npm.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  it('starts when a lock leftover names a live, unrelated process', async () => {
    const dataDir = tempDir();
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // What earlier versions left: a pid file. Here it names a process that is alive and not a monitor.
      writeFileSync(path.join(dataDir, 'monitor.lock'), String(unrelated.pid));
      const serve = await startServe(['--data-dir', dataDir, ...SERVE_ARGS, '--token', SEED_TOKEN]);
      expect(await post(`http://127.0.0.1:${serve.eventsPort}/`)).toBe(200);
      expect(await serve.stop()).toBeGreaterThanOrEqual(0);
      expect(await serve.exited).toEqual({ code: 0, signal: null });
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  it('refuses a second monitor on a folder in use, with the folder named and exit code 1, and the first goes on', async () => {
    const dataDir = tempDir();
    const first = await startServe(['--data-dir', dataDir, ...SERVE_ARGS, '--token', SEED_TOKEN]);
    try {
      const second = spawnNode([SERVE_BIN, '--data-dir', dataDir, ...SERVE_ARGS], {}, { label: 'second serve' });
      expect(await second.exited).toEqual({ code: 1, signal: null });
      expect(second.stderr()).toContain(`serve: cannot start: another monitor (serve, pid ${first.pid}, running since `);
      expect(second.stderr()).toContain(`) is using ${dataDir}\n`);
      expect(second.stdout()).not.toContain('events:');
      expect(await post(`http://127.0.0.1:${first.eventsPort}/`)).toBe(200);
      // The export takes no lock: it reads beside the running monitor.
      const out = path.join(tempDir(), 'beside.csv');
      const exported = spawnNode([EXPORT_BIN, '--data-dir', dataDir, '--out', out], {}, { label: 'export' });
      expect(await exported.exited).toEqual({ code: 0, signal: null });
      expect(exported.stdout()).toBe(`exported 1 deletion(s) to ${out}\n`);
      expect(readFileSync(out, 'utf8')).toContain(',23,some-domain.bitrix24.com,');
    } finally {
      await first.stop();
    }
    expect(await first.exited).toEqual({ code: 0, signal: null });
  });
});
