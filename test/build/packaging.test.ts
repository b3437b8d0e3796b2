/**
 * The packaged app, checked offline: electron-builder, run as `npx electron-builder` runs it (no
 * --config: it finds electron-builder.cjs by itself, as the npm scripts do), loads and validates the
 * configuration and runs a real `--linux dir` build against a placeholder Electron (`electronDist`,
 * so nothing is downloaded) that carries a fuse wire, so the fuses it flips can be read back. The app.asar it writes must hold the built bundles and the production dependency tree,
 * and nothing else (no sources, tests, source maps or dev dependencies). Then the asar is extracted
 * outside the repository and the packaged CLIs run in plain Node: an event posted to the packaged
 * `serve` is stored and comes back out of the packaged `export`, so the packaged node_modules resolve
 * (lowdb and the other ESM-only dependencies included).
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_SECRETS, SEED_TOKEN, fixture } from '../helpers/fixtures.js';
import { postEvent, request } from '../helpers/http-client.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const ROOT = path.resolve('.');
const CONFIG = 'electron-builder.cjs';
const EXECUTABLE = 'bitrix24-deletion-monitor';

interface PackageJson {
  name: string;
  version: string;
  main?: string;
  type?: string;
  productName?: string;
  desktopName?: string;
  scripts?: object;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** @electron/asar as electron-builder itself resolves it (a dependency of app-builder-lib). */
interface Asar {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractAll(archive: string, dest: string): void;
}
const builderRequire = createRequire(createRequire(require.resolve('electron-builder/package.json')).resolve('app-builder-lib/package.json'));
const asar = builderRequire('@electron/asar') as Asar;
/** @electron/fuses, the one electron-builder flips fuses with. */
interface Fuses {
  getCurrentFuseWire(electron: string): Promise<Record<string, number | string>>;
  FuseV1Options: Record<string, number>;
}
/** A fuse's byte in the wire (@electron/fuses' FuseState, which its index does not export). */
const FUSE_ON = 0x31;
const FUSE_OFF = 0x30;
const fuses = builderRequire('@electron/fuses') as Fuses;
/** Where a real Electron keeps its fuse wire: this sentinel, then version 1, the wire's length, one byte a fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's own defaults, as its binaries ship them: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on. */
const STOCK_WIRE = [1, 0, 1, 1, 0, 0, 0, 1];

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/**
 * A stand-in for an unpacked Electron for Linux: electron-builder copies the folder, renames
 * `electron` to the executable name, moves LICENSE aside and writes resources/app.asar.
 */
function fakeElectronDist(dir: string): string {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const wire = Buffer.from([1, STOCK_WIRE.length, ...STOCK_WIRE.map((on) => (on ? FUSE_ON : FUSE_OFF))]);
  writeFileSync(
    path.join(dir, 'electron'),
    Buffer.concat([Buffer.from('#!/bin/sh\necho "placeholder: no Electron binary offline" >&2\nexit 1\n# '), Buffer.from(FUSE_SENTINEL), wire, Buffer.from('\n')]),
  );
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'LICENSE'), 'placeholder for the Electron license\n');
  writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<p>placeholder</p>\n');
  return dir;
}

/** The installed folder of `name` as Node resolves it from `fromDir` (walking up to the repository root). */
function installedDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; dir.startsWith(ROOT); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === ROOT) break;
  }
  return null;
}

/** name@version of every package the production dependencies pull in, from the installed tree. */
function productionClosure(): Set<string> {
  const found = new Set<string>();
  const visit = (dir: string, pkg: PackageJson, isRoot: boolean): void => {
    if (!isRoot) {
      const id = `${pkg.name}@${pkg.version}`;
      if (found.has(id)) return;
      found.add(id);
    }
    const wanted = { ...pkg.dependencies, ...pkg.optionalDependencies, ...(isRoot ? {} : pkg.peerDependencies) };
    for (const name of Object.keys(wanted)) {
      const depDir = installedDir(name, dir);
      if (depDir) visit(depDir, readJson<PackageJson>(path.join(depDir, 'package.json')), false);
      else if (!pkg.optionalDependencies?.[name] && !pkg.peerDependencies?.[name]) throw new Error(`${name} (needed by ${pkg.name}) is not installed`);
    }
  };
  visit(ROOT, readJson<PackageJson>('package.json'), true);
  return found;
}

/** Spawns the packaged `serve` in plain Node; `line(name)` resolves with the value of its `name: value` line. */
function startPackagedServe(serveJs: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [serveJs, ...args], { cwd: os.tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const printed = new Map<string, string>();
  const stdout = createInterface({ input: child.stdout });
  const line = (name: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`packaged serve printed no "${name}:" line; stderr:\n${stderr}`)), 20_000);
      const check = (): void => {
        const value = printed.get(name);
        if (value === undefined) return;
        clearTimeout(timer);
        resolve(value);
      };
      stdout.on('line', check);
      check();
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`packaged serve exited (${code}); stderr:\n${stderr}`));
      });
    });
  stdout.on('line', (text) => {
    const match = /^(\w+): (\S+)/.exec(text);
    if (match) printed.set(match[1]!, match[2]!);
  });
  return { child, line, exited, stderr: () => stderr };
}

describe('packaged app (electron-builder --linux dir, offline)', () => {
  let work: string;
  let appOutDir: string;
  let asarFile: string;
  let files: string[];
  let extracted: string;
  let builderSeconds: number;
  let builderOutput: string;

  beforeAll(async () => {
    // dist/main, dist/preload and dist/cli come from the suite's global setup; the renderer is built
    // here when no build is around yet.
    if (!existsSync('dist/renderer/index.html')) {
      // Vitest sets NODE_ENV=test, which would give (and package) React's development build.
      await run(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
        timeout: 120_000,
        env: { ...process.env, NODE_ENV: 'production' },
      });
    }
    work = mkdtempSync(path.join(os.tmpdir(), 'b24dm-pack-'));
    const electronDist = fakeElectronDist(path.join(work, 'electron-dist'));
    const started = Date.now();
    // npm (which electron-builder asks for the dependency tree) must not reach for the registry.
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true' };
    // electron-builder keeps quiet under Vitest; its log says which configuration file it loaded.
    delete env['VITEST'];
    // As `npx electron-builder --linux dir` runs it: no --config, so it must find the file by its name.
    const built = await run(
      process.execPath,
      [require.resolve('electron-builder/cli.js'), '--linux', 'dir', '--publish', 'never', `-c.electronDist=${electronDist}`, `-c.directories.output=${path.join(work, 'out')}`],
      { cwd: ROOT, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`electron-builder failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    builderOutput = `${built.stdout}\n${built.stderr}`;
    builderSeconds = (Date.now() - started) / 1000;
    appOutDir = path.join(work, 'out', 'linux-unpacked');
    asarFile = path.join(appOutDir, 'resources', 'app.asar');
    files = asar.listPackage(asarFile, { isPack: false }).map((f) => f.split(path.sep).join('/'));
    extracted = path.join(work, 'app');
    asar.extractAll(asarFile, extracted);
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('validates the configuration and lays out the Linux app folder', () => {
    expect(existsSync(path.join(appOutDir, EXECUTABLE)), 'executable renamed to linux.executableName').toBe(true);
    expect(readdirSync(path.join(appOutDir, 'resources'))).toEqual(['app.asar']); // nothing unpacked: no native modules
    expect(existsSync(path.join(appOutDir, 'LICENSE.electron.txt')), "Electron's license kept next to the executable").toBe(true);

    expect(builderOutput).toContain(`loaded configuration  file=${path.join(ROOT, CONFIG)}`);
    const config = require(path.resolve(CONFIG)) as Record<string, Record<string, unknown>>;
    expect(config['nsis']).toMatchObject({ perMachine: false, createDesktopShortcut: 'always', createStartMenuShortcut: true });
    expect(config['mac']).toMatchObject({ category: 'public.app-category.business', target: [{ target: 'dmg', arch: ['x64', 'arm64'] }] });
    expect(config['linux']).toMatchObject({ target: ['AppImage', 'deb'], category: 'Office' });
  });

  it('builds from the same configuration whichever way it is started: the npm scripts pass no --config', () => {
    const scripts = readJson<Required<PackageJson>>('package.json').scripts as Record<string, string>;
    const builderRuns = Object.entries(scripts).filter(([, command]) => command.includes('electron-builder'));
    expect(builderRuns.map(([name]) => name).sort()).toEqual(['dist', 'dist:linux', 'dist:mac', 'dist:win']);
    for (const [name, command] of builderRuns) expect(command, name).not.toMatch(/--config|(^|\s)-c(\s|$)/);
  });

  it('flips Electron\'s fuses in the packaged executable: no run-as-node, NODE_OPTIONS or --inspect; encrypted cookies; app.asar only, integrity checked', async () => {
    const wire = await fuses.getCurrentFuseWire(path.join(appOutDir, EXECUTABLE));
    const byte = (name: string): number | string | undefined => wire[fuses.FuseV1Options[name]!];
    const state = (name: string): string => (byte(name) === FUSE_ON ? 'on' : byte(name) === FUSE_OFF ? 'off' : `unknown (${byte(name)})`);
    expect({
      RunAsNode: state('RunAsNode'),
      EnableCookieEncryption: state('EnableCookieEncryption'),
      EnableNodeOptionsEnvironmentVariable: state('EnableNodeOptionsEnvironmentVariable'),
      EnableNodeCliInspectArguments: state('EnableNodeCliInspectArguments'),
      EnableEmbeddedAsarIntegrityValidation: state('EnableEmbeddedAsarIntegrityValidation'),
      OnlyLoadAppFromAsar: state('OnlyLoadAppFromAsar'),
    }).toEqual({
      RunAsNode: 'off',
      EnableCookieEncryption: 'on',
      EnableNodeOptionsEnvironmentVariable: 'off',
      EnableNodeCliInspectArguments: 'off',
      EnableEmbeddedAsarIntegrityValidation: 'on',
      OnlyLoadAppFromAsar: 'on',
    });
    // The ones the configuration leaves alone keep Electron's defaults.
    for (const name of ['LoadBrowserProcessSpecificV8Snapshot', 'GrantFileProtocolExtraPrivileges']) {
      expect(byte(name), name).toBe(STOCK_WIRE[fuses.FuseV1Options[name]!] ? FUSE_ON : FUSE_OFF);
    }
    // And at config level, what the release builds for Windows and macOS (not run here) will flip too.
    expect((require(path.resolve(CONFIG)) as Record<string, unknown>)['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('packs the built bundles and production dependencies, and no sources, tests, maps or dev dependencies', () => {
    const top = [...new Set(files.map((f) => f.split('/')[1]))].sort();
    expect(top).toEqual(['build', 'dist', 'node_modules', 'package.json']);
    // Of build/, only the window icon (electron/main/app-paths.ts), and it is the generated one.
    expect(files.filter((f) => f.startsWith('/build/') && !files.some((other) => other.startsWith(`${f}/`)))).toEqual(['/build/icons/256x256.png']);
    expect(readFileSync(path.join(extracted, 'build/icons/256x256.png')).equals(readFileSync('build/icons/256x256.png'))).toBe(true);
    expect([...new Set(files.filter((f) => f.startsWith('/dist/')).map((f) => f.split('/')[2]))].sort()).toEqual(['cli', 'main', 'preload', 'renderer']);
    for (const entry of ['/dist/main/main.js', '/dist/preload/preload.cjs', '/dist/renderer/index.html', '/dist/cli/serve.js', '/dist/cli/export.js']) {
      expect(files, entry).toContain(entry);
    }
    // Every asset the page loads is packed.
    const html = readFileSync(path.join(extracted, 'dist/renderer/index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `/dist/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(files, asset).toContain(asset);

    expect(files.filter((f) => /\.(tsx?|mts|cts|map)$/.test(f)), 'TypeScript sources, declarations, source maps').toEqual([]);
    expect(files.filter((f) => /\/(test|tests|__tests__)\//.test(f) || /\.(test|spec)\.[cm]?js$/.test(f)), 'tests').toEqual([]);

    const pkg = readJson<PackageJson>(path.join(extracted, 'package.json'));
    expect(pkg).toMatchObject({ main: 'dist/main/main.js', type: 'module', productName: 'Bitrix24 Deletion Monitor', desktopName: `${EXECUTABLE}.desktop` });
    expect(pkg.scripts, 'scripts stripped').toBeUndefined();
    expect(pkg.devDependencies, 'devDependencies stripped').toBeUndefined();
    expect(files).toContain(`/${pkg.main}`);

    const packed = new Set(
      files
        .filter((f) => /^(?:\/node_modules\/(?:@[^/]+\/)?[^/]+)+\/package\.json$/.test(f))
        .map((f) => readJson<PackageJson>(path.join(extracted, f)))
        .map((p) => `${p.name}@${p.version}`),
    );
    const expected = productionClosure();
    expect([...packed].sort()).toEqual([...expected].sort());
    const root = readJson<PackageJson>('package.json');
    const devOnly = Object.keys(root.devDependencies ?? {}).filter((name) => ![...expected].some((id) => id.startsWith(`${name}@`)));
    expect(devOnly).toEqual(expect.arrayContaining(['electron', 'electron-builder', 'react', 'vite', 'vitest']));
    expect(devOnly.filter((name) => files.some((f) => f.startsWith(`/node_modules/${name}/`))), 'dev dependencies packed').toEqual([]);

    const size = statSync(asarFile).size;
    const fileCount = readdirSync(extracted, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    const names = [...packed].map((id) => id.replace(/@[^@]+$/, '')).sort();
    const direct = Object.keys(pkg.dependencies ?? {}).sort();
    console.log(
      `packaged app.asar: ${fileCount} files (${files.length} entries with folders), ${(size / 1024 / 1024).toFixed(1)} MiB, electron-builder --linux dir ${builderSeconds.toFixed(1)} s; ` +
        `top level: ${top.join(', ')}; dist/: cli, main, preload, renderer (${assets.length} renderer assets); ` +
        `${names.length} production packages (direct: ${direct.join(', ')}; all: ${names.join(', ')}); 0 sources, 0 tests, 0 maps, 0 dev dependencies`,
    );
  });

  it('runs the packaged core in plain Node: its dependencies resolve inside the package (post, store, dashboard, export)', async () => {
    // Nothing above the extracted app may hold a node_modules folder Node could fall back to.
    for (let dir = path.dirname(extracted); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      expect(existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['NODE_PATH'];
    delete env['NODE_ENV'];
    delete env['NODE_OPTIONS'];

    // Every package the Electron main bundle imports resolves inside the package (electron is the runtime's).
    const mainJs = readFileSync(path.join(extracted, 'dist/main/main.js'), 'utf8');
    const specifiers = [...new Set([...mainJs.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!))].filter((s) => !s.startsWith('node:') && s !== 'electron');
    expect(specifiers).toEqual(expect.arrayContaining(['electron-log/main', 'lowdb', 'zod']));
    const probe = path.join(extracted, 'dist/main/resolve-probe.mjs');
    writeFileSync(probe, `for (const s of process.argv.slice(2)) { let r; try { r = import.meta.resolve(s); } catch (e) { r = 'unresolved: ' + e.code; } console.log(s + ' ' + r); }\n`);
    const { stdout: resolved } = await run(process.execPath, [probe, ...specifiers, 'electron'], { cwd: os.tmpdir(), env });
    rmSync(probe);
    const lines = resolved.trim().split('\n');
    for (const line of lines.slice(0, -1)) expect(line).toMatch(new RegExp(` file://${extracted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/node_modules/`));
    expect(lines.at(-1)).toMatch(/^electron unresolved/);

    const dataDir = path.join(work, 'data');
    const serve = startPackagedServe(path.join(extracted, 'dist/cli/serve.js'), ['--data-dir', dataDir, '--port', '0', '--dashboard-port', '0', '--no-tunnel', '--token', SEED_TOKEN], env);
    try {
      const port = Number(new URL(await serve.line('events')).port);
      const answer = await postEvent(port, fixture('dynamic-item-delete.form'));
      expect(answer.status, answer.text).toBe(200);
      // The dashboard finds the packaged renderer next to the packaged CLI.
      const page = await request(Number(new URL(await serve.line('dashboard')).port), { method: 'GET', path: '/' });
      expect(page.status).toBe(200);
      expect(page.text).toBe(readFileSync(path.join(extracted, 'dist/renderer/index.html'), 'utf8'));
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited, serve.stderr()).toBe(0);

    const out = path.join(work, 'deletions.csv');
    await run(process.execPath, [path.join(extracted, 'dist/cli/export.js'), '--data-dir', dataDir, '--out', out], { cwd: os.tmpdir(), env });
    const rows = parse(readFileSync(out), { bom: true }) as string[][];
    expect(rows.slice(1)).toEqual([
      [expect.any(String), '2024-08-13T08:35:49.000Z', 'ONCRMDYNAMICITEMDELETE', 'Smart process 1220', '1220', '23', 'some-domain.bitrix24.com', 'a223c6b3710f85df22e9377d6c4f7553', 'yes', '', '', '', '', '', '', ''],
    ]);
    const stored = readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    for (const secret of SEED_SECRETS) expect(stored).not.toContain(secret);
  });
});
