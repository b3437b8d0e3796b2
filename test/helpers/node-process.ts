/**
 * A child `node` process whose `name: value` stdout lines (`events: …`, `dashboard: …`, `tunnel: …`) can be
 * awaited. Shared by the tests (`serve-process.ts`) and the benchmark (`bench/lib/procs.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** Printed `name: value` lines. */
  lines: Map<string, string>;
  waitFor(name: string, timeoutMs?: number): Promise<string>;
  stderr(): string;
  /** Everything printed on stdout so far (the last 200 kB). */
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(timeoutMs?: number): Promise<number>;
}

/**
 * Spawns `node ...args` and tracks its `name: value` stdout lines. `label` names it in errors; `stdin`
 * keeps a pipe to its standard input; `cpus` runs it under `taskset -c CPUS` (the benchmark's pinned
 * rows), which execs node in the same process.
 */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}, options: { label?: string; waitTimeoutMs?: number; stdin?: boolean; cpus?: string } = {}): Proc {
  const label = options.label ?? 'process';
  const [command, argv] = options.cpus === undefined ? [process.execPath, args] : ['taskset', ['-c', options.cpus, process.execPath, ...args]];
  const child = spawn(command, argv, { stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines = new Map<string, string>();
  const waiters: { name: string; resolve: (v: string) => void }[] = [];
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (stdout.length > 200_000) stdout = stdout.slice(-100_000);
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const match = /^(\w+): (.*)$/.exec(line);
    if (!match) return;
    lines.set(match[1]!, match[2]!);
    for (const w of waiters.filter((w) => w.name === match[1])) w.resolve(match[2]!);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (name: string, timeoutMs = options.waitTimeoutMs ?? 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const known = lines.get(name);
      if (known !== undefined) return resolve(known);
      const timer = setTimeout(() => reject(new Error(`${label} printed no "${name}:" line in ${timeoutMs} ms; stderr:\n${stderr.slice(-2000)}`)), timeoutMs);
      waiters.push({ name, resolve: (v) => (clearTimeout(timer), resolve(v)) });
      void exited.then(({ code }) => reject(new Error(`${label} exited (${code}) before "${name}:"; stderr:\n${stderr.slice(-2000)}`)));
    });
  const stop = async (timeoutMs = 30_000): Promise<number> => {
    const started = performance.now();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    return performance.now() - started;
  };
  return { child, pid: child.pid!, lines, waitFor, stderr: () => stderr, stdout: () => stdout, exited, stop };
}
