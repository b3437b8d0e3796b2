/**
 * Command-line options of `serve` (DESIGN.md, "Interfaces users and checks rely on").
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { defaultDataDir } from '../paths.js';

export interface ServeArgs {
  dataDir: string;
  port: number | undefined;
  dashboardPort: number;
  tokens: string[];
  tunnel: { enabled?: boolean; host?: string; subdomain?: string };
  noDashboard: boolean;
  fsync: boolean;
}

export const SERVE_USAGE = `Usage: npm run serve -- [options]
  --data-dir DIR        data folder (default: ${defaultDataDir()})
  --port N              event listener port (0 = any free port; default: saved setting)
  --dashboard-port N    dashboard port (default 0 = any free port)
  --token TOKEN         accept this application token from any portal (repeatable)
  --no-tunnel           do not open a public URL
  --tunnel-host URL     localtunnel server (default https://localtunnel.me)
  --subdomain NAME      ask the tunnel server for this subdomain
  --no-dashboard        do not serve the dashboard
  --no-fsync            acknowledge once the OS has the write, without fdatasync (survives a crash
                        of the app, not a power cut; for benchmarks)
  --help                this text`;

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new Error(`${flag} must be a port number 0-65535, got "${value}"`);
  return Number(value);
}

/** Parses argv (without node and script); throws an Error with a one-line reason on bad input. */
export function parseServeArgs(argv: string[]): ServeArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'dashboard-port': { type: 'string' },
      token: { type: 'string', multiple: true },
      'no-tunnel': { type: 'boolean' },
      'tunnel-host': { type: 'string' },
      subdomain: { type: 'string' },
      'no-dashboard': { type: 'boolean' },
      'no-fsync': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const host = values['tunnel-host'];
  if (host !== undefined && !/^https?:\/\/[^\s/]+/.test(host)) throw new Error(`--tunnel-host must be an http(s) URL, got "${host}"`);
  const subdomain = values.subdomain;
  if (subdomain !== undefined && !/^[a-z0-9](?:[a-z0-9-]{2,61}[a-z0-9])$/.test(subdomain)) {
    throw new Error('--subdomain must be 4-63 lower-case letters, digits or hyphens');
  }
  for (const token of values.token ?? []) {
    if (token.length < 8 || /[^\x21-\x7e]/.test(token)) throw new Error('--token must be at least 8 printable characters');
  }
  return {
    dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()),
    port: port(values.port, '--port'),
    dashboardPort: port(values['dashboard-port'], '--dashboard-port') ?? 0,
    tokens: values.token ?? [],
    tunnel: {
      ...(values['no-tunnel'] && { enabled: false }),
      ...(host !== undefined && { host }),
      ...(subdomain !== undefined && { subdomain }),
    },
    noDashboard: values['no-dashboard'] ?? false,
    fsync: !values['no-fsync'],
  };
}
