/**
 * Adds an application token (with the portal it is accepted from). The token field is a password
 * field and is cleared once the core has it: the app shows fingerprints only, never a token.
 */
import { useId, useState, type FormEvent } from 'react';
import type { Settings, TrustedToken } from '../../../electron/core/contract';
import { errorMessage } from '../api/call-error';
import { useMonitor } from '../api/monitor-context';
import { useI18n } from '../i18n/i18n-context';
import { labelError, normalizePortal, portalError, tokenError } from '../lib/validation';
import { Field } from './field';

/** The token the answer added: one not known before, else the newest for that portal. */
function addedToken(before: readonly TrustedToken[], after: readonly TrustedToken[], portal: string | null): TrustedToken | undefined {
  const known = new Set(before.map((x) => x.fingerprint));
  return after.find((x) => !known.has(x.fingerprint)) ?? [...after].filter((x) => x.portal === portal).sort((a, b) => b.addedAt - a.addedAt)[0];
}

export function TokenForm({ tokens, onAdded }: { tokens: readonly TrustedToken[]; onAdded: (settings: Settings) => void }) {
  const api = useMonitor();
  const { t } = useI18n();
  const id = useId();
  const [token, setToken] = useState('');
  const [portal, setPortal] = useState('');
  const [label, setLabel] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  const errors = { token: tokenError(token), portal: portalError(portal), label: labelError(label) };
  const show = (key: keyof typeof errors) => (touched && errors[key] ? t(errors[key]) : null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    setAdded(null);
    setFailure(null);
    if (errors.token || errors.portal || errors.label) {
      const first = errors.token ? 'token' : errors.portal ? 'portal' : 'label';
      document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    setBusy(true);
    const domain = normalizePortal(portal);
    api
      .addToken({ token: token.trim(), portal: domain || null, label: label.trim() })
      .then(
        (settings) => {
          setAdded(addedToken(tokens, settings.tokens, domain || null)?.fingerprint ?? '');
          setToken('');
          setLabel('');
          setTouched(false);
          onAdded(settings);
        },
        (error: unknown) => setFailure(errorMessage(error)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <form className="token-form" onSubmit={submit} noValidate>
      <Field id={`${id}-token`} label={t('token.token')} hint={t('token.tokenHint')} error={show('token')}>
        <input type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} />
      </Field>
      <Field id={`${id}-portal`} label={t('token.portal')} hint={t('token.portalHint')} error={show('portal')}>
        <input type="text" autoComplete="off" spellCheck={false} placeholder="example.bitrix24.com" value={portal} onChange={(e) => setPortal(e.target.value)} />
      </Field>
      <Field id={`${id}-label`} label={t('token.label')} error={show('label')}>
        <input type="text" autoComplete="off" value={label} maxLength={200} onChange={(e) => setLabel(e.target.value)} />
      </Field>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('token.adding') : t('token.add')}
        </button>
        <span aria-live="polite" className="form-status">
          {added !== null && <span className="ok-text">{t('token.added', { fingerprint: added })}</span>}
        </span>
      </div>
      {failure && (
        <p className="error-text" role="alert">
          {failure}
        </p>
      )}
    </form>
  );
}
