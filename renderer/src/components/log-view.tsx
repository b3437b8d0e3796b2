/** The main view: filters, the matching count, export, and the live table. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeletionFilter, DeletionRecord } from '../../../electron/core/contract';
import { DeletionDetail } from './deletion-detail';
import { useDeletionLog } from '../hooks/use-deletion-log';
import type { ExportControl as Control } from '../hooks/use-export';
import type { Facets } from '../hooks/use-facets';
import { useI18n } from '../i18n/i18n-context';
import { isFilterEmpty } from '../lib/filter';
import { DeletionTable } from './deletion-table';
import { ExportControl } from './export-control';
import { FilterBar } from './filter-bar';

export interface LogViewProps {
  filter: DeletionFilter;
  onFilter: (filter: DeletionFilter) => void;
  facets: Facets;
  focusRequest: number;
  exporter: Control;
  /** Reports the matching count, so Ctrl+E elsewhere knows the export's size. */
  onTotal?: (total: number | null) => void;
  initialHeight?: number;
}

export function LogView({ filter, onFilter, facets, focusRequest, exporter, onTotal, initialHeight }: LogViewProps) {
  const { t } = useI18n();
  const log = useDeletionLog(filter);
  const { snapshot } = log;
  const total = snapshot.ready ? snapshot.total : null;
  useEffect(() => {
    onTotal?.(total);
  }, [onTotal, total]);
  useEffect(() => () => onTotal?.(null), [onTotal]);
  const [detail, setDetail] = useState<DeletionRecord | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const open = useCallback((record: DeletionRecord) => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setDetail(record);
  }, []);
  const close = useCallback(() => {
    setDetail(null);
    opener.current?.focus(); // back to the row (or wherever the user was)
  }, []);
  return (
    <div className="log-view">
      <FilterBar filter={filter} onChange={onFilter} facets={facets} focusRequest={focusRequest} />
      <div className="toolbar">
        <span className="match-count">{total === null ? '' : t('table.count', { count: total })}</span>
        <ExportControl
          control={exporter}
          onExport={() => exporter.start(filter, total)}
          disabled={total === null || total === 0}
        />
      </div>
      <DeletionTable log={log} filtered={!isFilterEmpty(filter)} onClearFilters={() => onFilter({})} initialHeight={initialHeight} onOpen={open} />
      {detail && <DeletionDetail record={detail} onClose={close} />}
    </div>
  );
}
