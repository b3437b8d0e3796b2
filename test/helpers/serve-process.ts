import path from 'node:path';
import { spawnNode, type Proc } from './node-process.js';

export const SERVE_BIN = path.resolve('dist/cli/serve.js');
export const EXPORT_BIN = path.resolve('dist/cli/export.js');

export interface ServeProcess extends Proc {
  eventsPort: number;
}

/** Starts the built `serve` and waits for its `events:` line. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}, options: { stdin?: boolean } = {}): Promise<ServeProcess> {
  const serve = spawnNode([SERVE_BIN, ...args], env, { label: 'serve', waitTimeoutMs: 15_000, ...options });
  const events = await serve.waitFor('events');
  return { ...serve, eventsPort: Number(new URL(events).port) };
}
