/**
 * `serve`'s application-mode options: the client secret from B24DM_APP_CLIENT_SECRET or a file (never
 * argv), the key that seals secrets at rest (B24DM_APP_KEY, or a key file beside the data folder), and
 * whether app mode runs at all: with `--app`, or when the data folder already has connected portals.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppModeOptions } from '../monitor-core.js';
import { REGISTRY_FILE } from '../portal-app/portal-registry.js';
import { defaultKeyFile, envKeyProvider, fileKeyProvider } from '../portal-app/secret-box.js';
import type { ServeArgs } from './serve-args.js';

export const SECRET_ENV = 'B24DM_APP_CLIENT_SECRET';
export const KEY_ENV = 'B24DM_APP_KEY';

/**
 * The app-mode options for MonitorCore, or null when app mode is off; throws with a one-line reason.
 * On with `--app`, with a key given (B24DM_APP_KEY or --app-key-file: the dashboard's "Connect as
 * application" can then seal what it is given), or once the data folder has registered portals.
 */
export function appModeOf(args: ServeArgs, env: NodeJS.ProcessEnv): AppModeOptions | null {
  if (!args.app && !env[KEY_ENV] && args.appKeyFile === null && !existsSync(path.join(args.dataDir, REGISTRY_FILE))) return null;
  const keyFromEnv = env[KEY_ENV];
  const keys = keyFromEnv ? envKeyProvider(KEY_ENV, keyFromEnv) : fileKeyProvider(args.appKeyFile ?? defaultKeyFile(args.dataDir));
  delete env[KEY_ENV];
  let expect: AppModeOptions['expect'];
  if (args.app) {
    let secret: string | undefined;
    if (args.app.secretFile) secret = readFileSync(args.app.secretFile, 'utf8').trim();
    else secret = env[SECRET_ENV]?.trim();
    delete env[SECRET_ENV];
    if (!secret) throw new Error(`--app needs the client secret in ${SECRET_ENV} or --app-client-secret-file`);
    expect = { domain: args.app.domain, clientId: args.app.clientId, clientSecret: secret };
  }
  return {
    keys,
    allowLoopback: args.allowLoopbackPortal,
    ...(expect && { expect }),
    ...(args.appDrainSeconds !== undefined && { drainIntervalMs: args.appDrainSeconds * 1000 }),
  };
}
