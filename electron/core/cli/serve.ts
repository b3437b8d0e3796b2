/**
 * `npm run serve`: the monitor without a window. Prints one line per address on stdout
 * (`events:`, `dashboard:`, `tunnel:` each time the tunnel comes online) and logs to stderr and to
 * the log folder. SIGINT/SIGTERM stop it after the log is flushed.
 */
import { createInterface } from 'node:readline';
import { MonitorCore } from '../monitor-core.js';
import { createFileLogger } from '../util/file-logger.js';
import { describeError } from '../util/logger.js';
import { logDirOf } from '../paths.js';
import { SERVE_USAGE, parseServeArgs, type ServeArgs } from './serve-args.js';
import { startDashboard, type Dashboard } from '../dashboard/dashboard-server.js';
import { APP_VERSION } from '../version.js';
import { appModeOf } from './serve-app-mode.js';

async function main(): Promise<void> {
  let args: ServeArgs | 'help';
  try {
    args = parseServeArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`serve: ${describeError(error)}\n\n${SERVE_USAGE}\n`);
    process.exit(2);
  }
  if (args === 'help') {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return;
  }

  const log = createFileLogger(logDirOf(args.dataDir), { stderr: true });
  let core: MonitorCore;
  try {
    const apps = appModeOf(args, process.env);
    if (apps) process.stdout.write(`keyfile: ${apps.keys.describe}\n`);
    core = await MonitorCore.start({
      ...(apps && { apps }),
      dataDir: args.dataDir,
      port: args.port,
      tokens: args.tokens,
      tunnel: args.tunnel,
      fsync: args.fsync,
      log,
      version: APP_VERSION,
      instanceKind: 'serve',
    });
  } catch (error) {
    process.stderr.write(`serve: cannot start: ${describeError(error)}\n`);
    process.exit(1);
  }
  let dashboard: Dashboard | null = null;
  // Handlers go in before any address is printed: whoever reads `events:` may signal at once, and the
  // default action would skip flushing the log.
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    try {
      await dashboard?.stop();
      await core.stop();
      log.info('stopped; log flushed');
      process.exit(0);
    } catch (error) {
      log.error(`stop failed: ${describeError(error)}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  process.stdout.write(`events: ${core.eventsUrl}\n`);
  if (!args.noDashboard) {
    dashboard = await startDashboard({ core, port: args.dashboardPort, log });
    process.stdout.write(`dashboard: ${dashboard.url}\n`);
  }

  let online: string | null = null;
  const printTunnel = (): void => {
    const state = core.tunnelState;
    const url = state.status === 'online' ? state.url : null;
    if (url && url !== online) process.stdout.write(`tunnel: ${url}\n`);
    online = url;
  };
  core.on('statusChanged', printTunnel);
  printTunnel();
  if (args.app && args.appAuthorize) authorizeFromStdin(core, args.app.domain);
}

/** `--app-authorize`: prints the authorize URL and connects with each address pasted on stdin until one works. */
function authorizeFromStdin(core: MonitorCore, domain: string): void {
  const ask = (): void => void process.stdout.write(`authorize: ${core.appAuthorizeUrl(domain)}\n`);
  ask();
  process.stderr.write('serve: open the authorize URL, approve, then paste the address the portal redirected to here and press Enter\n');
  const lines = createInterface({ input: process.stdin });
  let busy = false;
  lines.on('line', (line) => {
    if (busy || !line.trim()) return;
    busy = true;
    core
      .appConnectWithRedirect(domain, line)
      .then((state) => {
        process.stdout.write(`app: ${state.domain} ${state.status}\n`);
        lines.close();
      })
      .catch((error: unknown) => {
        process.stderr.write(`serve: not connected: ${describeError(error)}\n`);
        ask();
      })
      .finally(() => (busy = false));
  });
}

void main();
