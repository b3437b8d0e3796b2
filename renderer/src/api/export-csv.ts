/**
 * CSV export of exactly the filtered view, over either transport.
 * IPC: the main process asks where to save (native dialog, `path: ''`) and writes the file, pushing
 * `exportProgress`. HTTP: the dashboard streams the CSV; rows are counted as bytes arrive and the file is
 * handed to the browser as a download.
 */
import type { DeletionFilter, MonitorApi } from '../../../electron/core/contract';
import { errorCode } from './call-error';
import { isHttpMonitor } from './http-client';

export interface ExportOutcome {
  rows: number;
  /** Where the desktop app wrote the file. */
  path: string | null;
  /** The name the browser saved the download under. */
  fileName: string | null;
  /** The user closed the save dialog or pressed Cancel. */
  cancelled: boolean;
}

export interface ExportOptions {
  /** Rows written so far (called often; throttle in the UI). */
  onProgress?: (rows: number) => void;
  /** Cancels an HTTP export (the desktop app's export cannot be cancelled midway). */
  signal?: AbortSignal;
  /** Saves the finished download; replaced in tests. */
  save?: (blob: Blob, fileName: string) => void;
  now?: () => Date;
  /** The CSV's language (header, yes/no, type names); English when not given. */
  language?: 'en' | 'ru';
}

const CANCEL_CODES = new Set(['CANCELLED', 'CANCELED', 'ABORTED']);
const NEWLINE = 0x0a;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `bitrix24-deletions-2025-11-26-1944.csv`, in local time. */
export function defaultExportName(date: Date): string {
  return `bitrix24-deletions-${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}.csv`;
}

/** The file name a Content-Disposition header suggests, made safe, or null. */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;\s]+)/.exec(header);
  let name: string | undefined;
  try {
    name = extended ? decodeURIComponent(extended[1]!.trim()) : (plain?.[1] ?? plain?.[2]);
  } catch {
    name = plain?.[1] ?? plain?.[2];
  }
  const safe = name?.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_').trim();
  return safe ? safe : null;
}

/** Hands a blob to the browser as a download. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Counts CSV records in a stream of bytes (header excluded), for progress. */
export class CsvRowCounter {
  private newlines = 0;
  private pending = false;

  add(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === NEWLINE) this.newlines++;
    if (chunk.length > 0) this.pending = chunk[chunk.length - 1] !== NEWLINE;
  }

  get rows(): number {
    return Math.max(0, this.newlines + (this.pending ? 1 : 0) - 1);
  }
}

/** Exports the deletions matching `filter` as CSV through whichever transport serves `api`. */
export async function exportDeletions(api: MonitorApi, filter: DeletionFilter, options: ExportOptions = {}): Promise<ExportOutcome> {
  if (isHttpMonitor(api)) {
    const response = await api.fetchExport(filter, options.signal, options.language);
    const counter = new CsvRowCounter();
    const chunks: Uint8Array[] = [];
    if (response.body) {
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          chunks.push(value);
          counter.add(value);
          options.onProgress?.(counter.rows);
        }
      } finally {
        reader.releaseLock();
      }
    } else {
      const bytes = new Uint8Array(await response.arrayBuffer());
      chunks.push(bytes);
      counter.add(bytes);
    }
    const fileName = fileNameFromDisposition(response.headers.get('content-disposition')) ?? defaultExportName(options.now?.() ?? new Date());
    (options.save ?? saveBlob)(new Blob(chunks as BlobPart[], { type: 'text/csv;charset=utf-8' }), fileName);
    return { rows: counter.rows, path: null, fileName, cancelled: false };
  }

  const off = api.on('exportProgress', (progress) => {
    if (!progress.done) options.onProgress?.(progress.rows);
  });
  try {
    const result = await api.exportCsv({ filter, path: '', ...(options.language && { language: options.language }) });
    if (!result.path) return { rows: 0, path: null, fileName: null, cancelled: true };
    return { rows: result.rows, path: result.path, fileName: null, cancelled: false };
  } catch (error) {
    const code = errorCode(error);
    if (code && CANCEL_CODES.has(code)) return { rows: 0, path: null, fileName: null, cancelled: true };
    throw error;
  } finally {
    off();
  }
}
