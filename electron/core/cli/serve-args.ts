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
  /** Application mode: connect this portal (the secret comes from the environment or a file, never argv). */
  app: { domain: string; clientId: string; secretFile: string | null } | null;
  /** Tests only: a portal and OAuth server on http://127.0.0.1:PORT. */
  allowLoopbackPortal: boolean;
  /** Where the key sealing app secrets lives (default: beside the data folder). */
  appKeyFile: string | null;
  /** Offline-queue drain period in seconds (default 60). */
  appDrainSeconds: number | undefined;
  /** Connect `--app` by the authorization code instead of waiting for ONAPPINSTALL. */
  appAuthorize: boolean;
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
Application mode (a portal connected as a Bitrix24 local application; kept for later starts):
  --app DOMAIN          the portal, e.g. example.bitrix24.com; waits for its ONAPPINSTALL
  --app-client-id ID    the application's client_id (local.…)
  --app-client-secret-file FILE
                        file holding the client_secret (or set B24DM_APP_CLIENT_SECRET);
                        never given on the command line
  --app-key-file FILE   key that seals secrets at rest (default: beside the data folder, mode 0600;
                        or set B24DM_APP_KEY to 64 hex characters)
  --app-drain-seconds N drain the portal's offline queue every N seconds (default 60)
  --app-authorize       ONAPPINSTALL was missed: print the portal's authorize URL, then read the address
                        it redirected to from standard input (the offline queue then carries deletions)
  --allow-loopback-portal
                        tests only: accept a portal and OAuth server at http://127.0.0.1:PORT
  --help                this text`;

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new Error(`${flag} must be a port number 0-65535, got "${value}"`);
  return Number(value);
}

/** Parses argv (without node and script); throws an Error with a one-line reason on bad input. */
export function parseServeArgs(argv: string[]): ServeArgs | 'help' {
  if (argv.some((a) => a === '--app-client-secret' || a.startsWith('--app-client-secret='))) {
    throw new Error('the client secret is never taken on the command line (it would show in the process list): use B24DM_APP_CLIENT_SECRET or --app-client-secret-file');
  }
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
      app: { type: 'string' },
      'app-client-id': { type: 'string' },
      'app-client-secret-file': { type: 'string' },
      'app-key-file': { type: 'string' },
      'app-drain-seconds': { type: 'string' },
      'allow-loopback-portal': { type: 'boolean' },
      'app-authorize': { type: 'boolean' },
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
  const appDomain = values.app;
  const clientId = values['app-client-id'];
  if ((appDomain === undefined) !== (clientId === undefined)) throw new Error('--app and --app-client-id go together');
  if (values['app-client-secret-file'] !== undefined && appDomain === undefined) throw new Error('--app-client-secret-file needs --app');
  if (values['app-authorize'] && appDomain === undefined) throw new Error('--app-authorize needs --app');
  const drain = values['app-drain-seconds'];
  if (drain !== undefined && (!/^\d{1,6}$/.test(drain) || Number(drain) < 1)) throw new Error(`--app-drain-seconds must be a whole number of seconds, got "${drain}"`);
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const keyFile = values['app-key-file'] === undefined ? null : path.resolve(values['app-key-file']);
  if (keyFile && (keyFile + path.sep).startsWith(dataDir + path.sep)) throw new Error('--app-key-file must be outside the data folder (a copied data folder must not open its own secrets)');
  return {
    dataDir,
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
    app: appDomain !== undefined && clientId !== undefined ? { domain: appDomain, clientId, secretFile: values['app-client-secret-file'] ?? null } : null,
    allowLoopbackPortal: values['allow-loopback-portal'] ?? false,
    appKeyFile: keyFile,
    appDrainSeconds: drain === undefined ? undefined : Number(drain),
    appAuthorize: values['app-authorize'] ?? false,
  };
}
