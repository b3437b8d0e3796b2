/**
 * Serves the built renderer (dist/renderer) to the dashboard. Paths are decoded once, checked segment
 * by segment, and resolved (symlinks included) inside the root; anything else is refused before the
 * file system is touched.
 */
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The MIME type served for a file name. */
export function mimeTypeOf(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Where the built renderer is by default: `../renderer` next to the running bundle (dist/cli → dist/renderer),
 * or `dist/renderer` in the nearest folder above this module that has one (running from source).
 */
export function defaultStaticDir(moduleUrl: string = import.meta.url): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const candidates = [path.resolve(here, '..', 'renderer')];
  for (let dir = here; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'dist', 'renderer'));
    if (path.dirname(dir) === dir) break;
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

export type StaticTarget = { file: string } | { status: 400 | 403 | 404 };

/**
 * Maps a request path (without query) to a file under `root`, or says why not. Refuses NUL, backslashes,
 * encoded slashes, `.`/`..` segments and dot-files, then checks the joined path stays inside the root.
 */
export function resolveStaticPath(root: string, rawPath: string): StaticTarget {
  if (!rawPath.startsWith('/') || /[\\\0]|%00|%2f|%5c/i.test(rawPath)) return { status: 400 };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400 };
  }
  if (/[\\\0]/.test(decoded)) return { status: 400 };
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return { status: 403 };
  if (segments.some((s) => s.startsWith('.'))) return { status: 404 };
  const relative = decoded === '/' ? 'index.html' : segments.join('/');
  const base = path.resolve(root);
  const file = path.resolve(base, relative);
  if (!file.startsWith(base + path.sep)) return { status: 403 };
  return { file };
}

/** Resolves symlinks and refuses a file whose real path leaves the (real) root. */
async function realFileInside(root: string, file: string): Promise<{ file: string; size: number } | null> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!realFile.startsWith(realRoot + path.sep)) return null;
    const info = await stat(realFile);
    return info.isFile() ? { file: realFile, size: info.size } : null;
  } catch {
    return null;
  }
}

/** Answers a GET/HEAD for a static file; `headers` are the security headers every response carries. */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  rawPath: string,
  headers: Record<string, string>,
): Promise<void> {
  const plain = (status: number, text: string): void => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  const target = resolveStaticPath(root, rawPath);
  if ('status' in target) return plain(target.status, target.status === 404 ? 'not found\n' : 'bad path\n');
  const found = await realFileInside(root, target.file);
  if (!found) {
    if (rawPath === '/' || rawPath === '/index.html') {
      return plain(503, 'The dashboard page is not built: run `npm run build:renderer`, then reload.\n');
    }
    return plain(404, 'not found\n');
  }
  res.writeHead(200, { ...headers, 'Content-Type': mimeTypeOf(found.file), 'Content-Length': found.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
