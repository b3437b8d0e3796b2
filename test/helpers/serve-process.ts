import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const SERVE_BIN = path.resolve('dist/cli/serve.js');
export const EXPORT_BIN = path.resolve('dist/cli/export.js');

export interface ServeProcess {
  child: ChildProcess;
  /** Printed `name: value` lines (events, dashboard, tunnel). */
  lines: Map<string, string>;
  eventsPort: number;
  stderr: () => string;
  /** Resolves when a line `name: ...` has been printed. */
  waitFor: (name: string, timeoutMs?: number) => Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built `serve` and waits for its `events:` line. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [SERVE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines = new Map<string, string>();
  const waiters: { name: string; resolve: (v: string) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const match = /^(\w+): (.*)$/.exec(line);
    if (!match) return;
    lines.set(match[1]!, match[2]!);
    for (const w of waiters.filter((w) => w.name === match[1])) w.resolve(match[2]!);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (name: string, timeoutMs = 15_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const known = lines.get(name);
      if (known !== undefined) return resolve(known);
      const timer = setTimeout(() => reject(new Error(`serve printed no "${name}:" line in ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      waiters.push({ name, resolve: (v) => (clearTimeout(timer), resolve(v)) });
      void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before "${name}:"; stderr:\n${stderr}`)));
    });
  const events = await waitFor('events');
  return { child, lines, eventsPort: Number(new URL(events).port), stderr: () => stderr, waitFor, exited };
}
