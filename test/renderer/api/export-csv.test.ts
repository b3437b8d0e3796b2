import { describe, expect, it, vi } from 'vitest';
import { CsvRowCounter, defaultExportName, exportDeletions, fileNameFromDisposition } from '../../../renderer/src/api/export-csv';
import { createHttpMonitor } from '../../../renderer/src/api/http-client';
import { FakeMonitor } from '../helpers/fake-monitor';

const encoder = new TextEncoder();

describe('CsvRowCounter', () => {
  it('counts records after the header, whether or not the last line ends', () => {
    const counter = new CsvRowCounter();
    counter.add(encoder.encode('\uFEFFReceived at,Event\r\n2025,ONCRM'));
    expect(counter.rows).toBe(1);
    counter.add(encoder.encode('DEALDELETE\r\n2025,X\r\n'));
    expect(counter.rows).toBe(2);
  });
});

describe('export file names', () => {
  it('reads Content-Disposition (plain and RFC 5987) and makes it safe', () => {
    expect(fileNameFromDisposition('attachment; filename="deletions.csv"')).toBe('deletions.csv');
    expect(fileNameFromDisposition("attachment; filename*=UTF-8''%D1%83%D0%B4%D0%B0%D0%BB%D0%B5%D0%BD%D0%B8%D1%8F.csv")).toBe('удаления.csv');
    expect(fileNameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('.._.._etc_passwd');
    expect(fileNameFromDisposition(null)).toBeNull();
  });

  it('falls back to a dated name', () => {
    expect(defaultExportName(new Date(2025, 10, 6, 9, 5))).toBe('bitrix24-deletions-2025-11-06-0905.csv');
  });
});

describe('exportDeletions over HTTP', () => {
  it('streams the CSV for the filter, reports rows as they arrive and saves it as a download', async () => {
    const lines = ['Received at,Event', ...Array.from({ length: 2500 }, (_, i) => `2025-11-26T09:00:00.000Z,EVENT_${i}`)];
    const bytes = encoder.encode(lines.join('\r\n') + '\r\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 4096) c.enqueue(bytes.slice(i, i + 4096));
        c.close();
      },
    });
    const fetch = vi.fn(async () => new Response(body, { headers: { 'content-disposition': 'attachment; filename="deletions.csv"' } }));
    const api = createHttpMonitor({ key: 'k', fetch });
    const progress: number[] = [];
    const save = vi.fn();
    const outcome = await exportDeletions(api, { portal: 'alpha.bitrix24.com' }, { onProgress: (n) => progress.push(n), save });

    expect(outcome).toEqual({ rows: 2500, path: null, fileName: 'deletions.csv', cancelled: false });
    expect(progress.length).toBeGreaterThan(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(2500);
    const [blob, name] = save.mock.calls[0] as [Blob, string];
    expect(name).toBe('deletions.csv');
    expect(blob.size).toBe(bytes.length);
    expect(JSON.parse((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body as string)).toEqual({ filter: { portal: 'alpha.bitrix24.com' } });
    api.close();
  });

  it('reports the core error of a refused export', async () => {
    const api = createHttpMonitor({ key: 'k', fetch: async () => new Response(JSON.stringify({ error: { code: 'EXPORT_FAILED', message: 'disk full' } }), { status: 500 }) });
    await expect(exportDeletions(api, {}, { save: vi.fn() })).rejects.toMatchObject({ code: 'EXPORT_FAILED', message: 'disk full' });
    api.close();
  });
});

describe('exportDeletions over IPC', () => {
  it('asks the main process to choose the file (path "") and relays exportProgress', async () => {
    const api = new FakeMonitor({ synthetic: 12_000 });
    api.hold('exportCsv');
    const progress: number[] = [];
    const running = exportDeletions(api, { entityTypeId: 2 }, { onProgress: (n) => progress.push(n) });
    await Promise.resolve();
    api.emit('exportProgress', { exportId: 'export-1', rows: 5000, done: false, error: null });
    api.emit('exportProgress', { exportId: 'export-1', rows: 10000, done: false, error: null });
    api.release('exportCsv');
    const outcome = await running;
    expect(api.callsOf('exportCsv')).toEqual([[{ filter: { entityTypeId: 2 }, path: '' }]]);
    expect(progress).toEqual([5000, 10000]);
    expect(outcome).toEqual({ rows: 2000, path: '/home/user/Documents/bitrix24-deletions.csv', fileName: null, cancelled: false });
    expect(api.listenerCount('exportProgress')).toBe(0);
  });

  it('treats a closed save dialog as cancelled', async () => {
    const api = new FakeMonitor();
    api.exportCsv = async () => ({ rows: 0, path: '' });
    expect(await exportDeletions(api, {})).toMatchObject({ cancelled: true });
    api.exportCsv = async () => {
      throw Object.assign(new Error('cancelled'), { code: 'CANCELLED' });
    };
    expect(await exportDeletions(api, {})).toMatchObject({ cancelled: true });
  });
});
