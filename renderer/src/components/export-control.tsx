/** "Export CSV" for exactly the filtered view, with progress, cancel (dashboard) and the outcome. */
import type { ExportControl as Control } from '../hooks/use-export';
import { useI18n } from '../i18n/i18n-context';

export function ExportControl({ control, onExport, disabled }: { control: Control; onExport: () => void; disabled: boolean }) {
  const { t, count } = useI18n();
  const { state } = control;
  const running = state.phase === 'running';
  const shortcut = /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘E' : 'Ctrl+E';

  return (
    <div className="export-control">
      <button
        type="button"
        className="btn btn-primary"
        onClick={onExport}
        disabled={disabled || running}
        aria-keyshortcuts="Control+E Meta+E"
        title={t('export.hint', { shortcut })}
      >
        {t('export.button')}
      </button>
      <div className="export-status" aria-live="polite">
        {state.phase === 'running' && (
          <>
            <progress
              className="export-progress"
              aria-label={t('export.progressLabel')}
              max={state.total ?? undefined}
              value={state.total ? Math.min(state.rows, state.total) : undefined}
            />
            <span className="export-text">
              {state.total
                ? t('export.running', { rows: count(state.rows), total: count(state.total) })
                : t('export.runningUnknown', { rows: count(state.rows) })}
            </span>
            {state.cancellable && (
              <button type="button" className="btn btn-small btn-ghost" onClick={control.cancel}>
                {t('export.cancel')}
              </button>
            )}
          </>
        )}
        {state.phase === 'done' && (
          <>
            <span className="export-text export-done">
              {state.outcome.path
                ? t('export.savedTo', { count: state.outcome.rows, path: state.outcome.path })
                : t('export.downloaded', { count: state.outcome.rows, file: state.outcome.fileName ?? '' })}
            </span>
            <button type="button" className="btn btn-small btn-ghost" onClick={control.dismiss} aria-label={t('common.dismiss')}>
              ×
            </button>
          </>
        )}
        {state.phase === 'cancelled' && <span className="export-text">{t('export.cancelled')}</span>}
        {state.phase === 'failed' && (
          <>
            <span className="export-text error-text" role="alert">
              {t('export.failed', { error: state.error })}
            </span>
            <button type="button" className="btn btn-small btn-ghost" onClick={control.dismiss} aria-label={t('common.dismiss')}>
              ×
            </button>
          </>
        )}
      </div>
    </div>
  );
}
