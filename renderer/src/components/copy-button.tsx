/** A small "Copy" button with visible and announced feedback. */
import { useClipboard } from '../hooks/use-clipboard';
import { useI18n } from '../i18n/i18n-context';

export function CopyButton({ text, what, className = '' }: { text: string; what: string; className?: string }) {
  const { t } = useI18n();
  const { state, copy } = useClipboard();
  const label = state === 'copied' ? t('common.copied') : state === 'failed' ? t('common.copyFailed') : t('common.copy');
  return (
    <>
      <button type="button" className={`btn btn-small ${className}`} onClick={() => copy(text)} aria-label={t('common.copyWhat', { what })} data-state={state}>
        {label}
      </button>
      <span className="visually-hidden" role="status">
        {state === 'idle' ? '' : label}
      </span>
    </>
  );
}
