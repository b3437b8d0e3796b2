/**
 * One CSV export at a time, with progress (throttled for rendering) and cancel where possible.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeletionFilter } from '../../../electron/core/contract';
import { errorMessage } from '../api/call-error';
import { exportDeletions, type ExportOptions, type ExportOutcome } from '../api/export-csv';
import { useMonitor } from '../api/monitor-context';
import { useI18n } from '../i18n/i18n-context';

export type ExportState =
  | { phase: 'idle' }
  | { phase: 'running'; rows: number; total: number | null; cancellable: boolean }
  | { phase: 'done'; outcome: ExportOutcome }
  | { phase: 'cancelled' }
  | { phase: 'failed'; error: string };

export interface ExportControl {
  state: ExportState;
  /** Starts exporting `filter` (ignored while one runs); `expected` is the row count, for the progress bar. */
  start(filter: DeletionFilter, expected: number | null): void;
  cancel(): void;
  dismiss(): void;
}

const PROGRESS_EVERY_MS = 100;

export function useExport(save?: ExportOptions['save']): ExportControl {
  const api = useMonitor();
  // The CSV speaks the UI's language (header, yes/no, type names).
  const { lang } = useI18n();
  const [state, setState] = useState<ExportState>({ phase: 'idle' });
  const running = useRef<AbortController | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const start = useCallback(
    (filter: DeletionFilter, expected: number | null) => {
      if (running.current) return;
      const controller = new AbortController();
      running.current = controller;
      const cancellable = api.transport === 'http';
      setState({ phase: 'running', rows: 0, total: expected, cancellable });
      let lastShown = 0;
      const onProgress = (rows: number) => {
        const now = Date.now();
        if (now - lastShown < PROGRESS_EVERY_MS || !mounted.current) return;
        lastShown = now;
        setState({ phase: 'running', rows, total: expected, cancellable });
      };
      exportDeletions(api, filter, { onProgress, signal: controller.signal, save, language: lang }).then(
        (outcome) => {
          if (mounted.current) setState(outcome.cancelled ? { phase: 'cancelled' } : { phase: 'done', outcome });
        },
        (error: unknown) => {
          if (!mounted.current) return;
          setState(controller.signal.aborted ? { phase: 'cancelled' } : { phase: 'failed', error: errorMessage(error) });
        },
      ).finally(() => {
        running.current = null;
      });
    },
    [api, save, lang],
  );

  const cancel = useCallback(() => running.current?.abort(), []);
  const dismiss = useCallback(() => setState((s) => (s.phase === 'running' ? s : { phase: 'idle' })), []);
  return { state, start, cancel, dismiss };
}
