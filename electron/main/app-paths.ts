/**
 * Where the shell finds its pieces at run time, relative to the main bundle (dist/main/main.js):
 * the preload bundle in dist/preload, the built renderer in dist/renderer, and the window icon in
 * build/icons (packed into app.asar beside dist/, see electron-builder.cjs).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface AppPaths {
  /** dist/preload/preload.cjs (a sandboxed preload must be CommonJS). */
  preload: string;
  /** dist/renderer/index.html. */
  rendererIndex: string;
  /** The file:// URL of rendererIndex: the only page allowed to call the core. */
  rendererUrl: string;
  /** The window icon for Linux (Windows and macOS take theirs from the executable and the bundle). */
  windowIcon: string;
}

/** Paths next to the bundle that `moduleUrl` belongs to (default: this module, i.e. dist/main/main.js). */
export function appPaths(moduleUrl: string = import.meta.url): AppPaths {
  const dist = path.resolve(path.dirname(fileURLToPath(moduleUrl)), '..');
  const rendererIndex = path.join(dist, 'renderer', 'index.html');
  return {
    preload: path.join(dist, 'preload', 'preload.cjs'),
    rendererIndex,
    rendererUrl: pathToFileURL(rendererIndex).href,
    windowIcon: path.join(dist, '..', 'build', 'icons', '256x256.png'),
  };
}

/** True when `url` is our renderer page (any query or fragment), compared as parsed file URLs. */
export function isRendererUrl(url: string, rendererUrl: string): boolean {
  let actual: URL;
  let expected: URL;
  try {
    actual = new URL(url);
    expected = new URL(rendererUrl);
  } catch {
    return false;
  }
  return actual.protocol === 'file:' && actual.host === expected.host && actual.pathname === expected.pathname;
}
