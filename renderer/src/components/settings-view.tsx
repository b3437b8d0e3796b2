/**
 * Settings: event port, tunnel, retention, notifications, language, auto-start (desktop only), and
 * the accepted tokens. Fields are checked as typed; only what changed is sent; the core's refusals
 * are shown next to the field they concern when they name one.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AppStatus, Language, Settings, SettingsPatch } from '../../../electron/core/contract';
import { errorCode, errorMessage } from '../api/call-error';
import { useMonitor } from '../api/monitor-context';
import { systemLanguage, useI18n } from '../i18n/i18n-context';
import { resolveLanguage } from '../i18n/i18n';
import type { MessageKey } from '../i18n/en';
import { daysError, hostError, portError, subdomainError, thresholdError, webhookUrlError, windowMinutesError } from '../lib/validation';
import { Field } from './field';
import { TokenForm } from './token-form';
import { TokenList } from './token-list';
import { PortalApps } from './portal-apps';
import { PortalAlertRules, ruleDraftsOf, ruleErrors, rulesOf, type PortalRuleDraft } from './portal-alert-rules';

interface Draft {
  eventPort: string;
  tunnelEnabled: boolean;
  host: string;
  subdomain: string;
  keepAll: boolean;
  days: string;
  notifications: boolean;
  language: Language;
  autoStart: boolean;
  alertsEnabled: boolean;
  threshold: string;
  windowMinutes: string;
  webhookUrl: string;
  perPortal: PortalRuleDraft[];
}

type FieldName = 'eventPort' | 'host' | 'subdomain' | 'days' | 'threshold' | 'windowMinutes' | 'webhookUrl';

export function draftOf(s: Settings): Draft {
  return {
    eventPort: String(s.eventPort),
    tunnelEnabled: s.tunnel.enabled,
    host: s.tunnel.host,
    subdomain: s.tunnel.subdomain,
    keepAll: s.retentionDays === null,
    days: s.retentionDays === null ? '90' : String(s.retentionDays),
    notifications: s.notifications,
    language: s.language,
    autoStart: s.autoStart,
    alertsEnabled: s.alerts.enabled,
    threshold: String(s.alerts.threshold),
    windowMinutes: String(s.alerts.windowMinutes),
    webhookUrl: s.alerts.webhookUrl ?? '',
    perPortal: ruleDraftsOf(s.alerts.perPortal),
  };
}

function sameDraft(a: Draft, b: Draft): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function check(d: Draft): Partial<Record<FieldName, MessageKey>> {
  const errors: Partial<Record<FieldName, MessageKey>> = {};
  const port = portError(d.eventPort);
  if (port) errors.eventPort = port;
  const host = hostError(d.host);
  if (host) errors.host = host;
  const subdomain = subdomainError(d.subdomain);
  if (subdomain) errors.subdomain = subdomain;
  if (!d.keepAll) {
    const days = daysError(d.days);
    if (days) errors.days = days;
  }
  const threshold = thresholdError(d.threshold);
  if (threshold) errors.threshold = threshold;
  const minutes = windowMinutesError(d.windowMinutes);
  if (minutes) errors.windowMinutes = minutes;
  const webhook = webhookUrlError(d.webhookUrl);
  if (webhook) errors.webhookUrl = webhook;
  return errors;
}

/** What changed between the saved settings and the draft, as the core's patch. */
export function patchOf(s: Settings, d: Draft): SettingsPatch {
  const patch: SettingsPatch = {};
  if (Number(d.eventPort) !== s.eventPort) patch.eventPort = Number(d.eventPort);
  const tunnel: NonNullable<SettingsPatch['tunnel']> = {};
  if (d.tunnelEnabled !== s.tunnel.enabled) tunnel.enabled = d.tunnelEnabled;
  if (d.host.trim() !== s.tunnel.host) tunnel.host = d.host.trim();
  if (d.subdomain.trim() !== s.tunnel.subdomain) tunnel.subdomain = d.subdomain.trim();
  if (Object.keys(tunnel).length > 0) patch.tunnel = tunnel;
  const retention = d.keepAll ? null : Number(d.days);
  if (retention !== s.retentionDays) patch.retentionDays = retention;
  if (d.notifications !== s.notifications) patch.notifications = d.notifications;
  if (d.language !== s.language) patch.language = d.language;
  if (d.autoStart !== s.autoStart) patch.autoStart = d.autoStart;
  const alerts: NonNullable<SettingsPatch['alerts']> = {};
  if (d.alertsEnabled !== s.alerts.enabled) alerts.enabled = d.alertsEnabled;
  if (Number(d.threshold) !== s.alerts.threshold) alerts.threshold = Number(d.threshold);
  if (Number(d.windowMinutes) !== s.alerts.windowMinutes) alerts.windowMinutes = Number(d.windowMinutes);
  const webhookUrl = d.webhookUrl.trim() === '' ? null : d.webhookUrl.trim();
  if (webhookUrl !== s.alerts.webhookUrl) alerts.webhookUrl = webhookUrl;
  const perPortal = rulesOf(d.perPortal);
  if (JSON.stringify(perPortal) !== JSON.stringify(s.alerts.perPortal ?? {})) alerts.perPortal = perPortal;
  if (Object.keys(alerts).length > 0) patch.alerts = alerts;
  return patch;
}

/** The field a core error is about: `updateSettings: tunnel.host must be ...`, or a port refusal. */
function fieldOfError(error: unknown): FieldName | null {
  if (errorCode(error) === 'PORT_UNAVAILABLE') return 'eventPort';
  const path = /updateSettings: (\S+)/.exec(errorMessage(error))?.[1];
  const fields: Record<string, FieldName> = {
    eventPort: 'eventPort',
    'tunnel.host': 'host',
    'tunnel.subdomain': 'subdomain',
    retentionDays: 'days',
    'alerts.threshold': 'threshold',
    'alerts.windowMinutes': 'windowMinutes',
    'alerts.webhookUrl': 'webhookUrl',
  };
  return path ? (fields[path] ?? null) : null;
}

export function SettingsView({ settings, status, onSettings }: { settings: Settings; status: AppStatus; onSettings: (settings: Settings) => void }) {
  const api = useMonitor();
  const { t } = useI18n();
  const id = useId();
  const [draft, setDraft] = useState(() => draftOf(settings));
  const [touched, setTouched] = useState<Partial<Record<FieldName, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [coreError, setCoreError] = useState<{ field: FieldName | null; message: string } | null>(null);
  const baseline = useRef(settings);

  // Settings changed elsewhere: take them, unless the user is editing.
  useEffect(() => {
    const before = baseline.current;
    baseline.current = settings;
    setDraft((d) => (sameDraft(d, draftOf(before)) ? draftOf(settings) : d));
  }, [settings]);

  const errors = check(draft);
  const dirty = Object.keys(patchOf(settings, draft)).length > 0;
  const fieldError = (name: FieldName): string | null => {
    if (coreError?.field === name) return coreError.message;
    const key = errors[name];
    return key && (touched[name] || submitted) ? t(key) : null;
  };
  const update = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setSaved(false);
    setCoreError(null);
  };
  const blur = (name: FieldName) => () => setTouched((x) => ({ ...x, [name]: true }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setSaved(false);
    setCoreError(null);
    const invalid = (['eventPort', 'host', 'subdomain', 'days', 'threshold', 'windowMinutes', 'webhookUrl'] as const).find((name) => errors[name]);
    if (invalid) {
      document.getElementById(`${id}-${invalid}`)?.focus();
      return;
    }
    if (ruleErrors(draft.perPortal).some((e) => Object.keys(e).length > 0)) {
      document.querySelector<HTMLElement>('.portal-rule [aria-invalid="true"]')?.focus();
      return;
    }
    const patch = patchOf(settings, draft);
    if (Object.keys(patch).length === 0) return;
    setBusy(true);
    api
      .updateSettings(patch)
      .then(
        (next) => {
          baseline.current = next;
          setDraft(draftOf(next));
          setSubmitted(false);
          setTouched({});
          setSaved(true);
          onSettings(next);
        },
        (error: unknown) => {
          const field = fieldOfError(error);
          setCoreError({ field, message: errorMessage(error) });
          if (field) document.getElementById(`${id}-${field}`)?.focus();
        },
      )
      .finally(() => setBusy(false));
  };

  const systemName = resolveLanguage('system', systemLanguage()) === 'ru' ? t('settings.language.ru') : t('settings.language.en');

  return (
    <div className="page settings">
      <h2 tabIndex={-1}>{t('settings.title')}</h2>
      <form className="settings-form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>{t('settings.listener')}</legend>
          <Field id={`${id}-eventPort`} label={t('settings.eventPort')} hint={t('settings.eventPortHint')} error={fieldError('eventPort')} className="field-narrow">
            <input type="text" inputMode="numeric" value={draft.eventPort} onChange={(e) => update('eventPort', e.target.value)} onBlur={blur('eventPort')} />
          </Field>
        </fieldset>

        <fieldset>
          <legend>{t('settings.tunnel')}</legend>
          <div className="check">
            <input id={`${id}-tunnel`} type="checkbox" checked={draft.tunnelEnabled} onChange={(e) => update('tunnelEnabled', e.target.checked)} />
            <label htmlFor={`${id}-tunnel`}>{t('settings.tunnelEnabled')}</label>
          </div>
          <Field id={`${id}-host`} label={t('settings.tunnelHost')} hint={t('settings.tunnelHostHint')} error={fieldError('host')}>
            <input type="url" spellCheck={false} value={draft.host} onChange={(e) => update('host', e.target.value)} onBlur={blur('host')} />
          </Field>
          <Field id={`${id}-subdomain`} label={t('settings.subdomain')} hint={t('settings.subdomainHint')} error={fieldError('subdomain')}>
            <input type="text" spellCheck={false} value={draft.subdomain} onChange={(e) => update('subdomain', e.target.value)} onBlur={blur('subdomain')} />
          </Field>
        </fieldset>

        <fieldset>
          <legend>{t('settings.history')}</legend>
          <div role="radiogroup" aria-label={t('settings.retention')} className="radio-group">
            <div className="check">
              <input id={`${id}-keep-all`} type="radio" name={`${id}-retention`} checked={draft.keepAll} onChange={() => update('keepAll', true)} />
              <label htmlFor={`${id}-keep-all`}>{t('settings.retentionAll')}</label>
            </div>
            <div className="check check-days">
              <input id={`${id}-keep-days`} type="radio" name={`${id}-retention`} checked={!draft.keepAll} onChange={() => update('keepAll', false)} />
              <label htmlFor={`${id}-keep-days`}>{t('settings.retentionDays')}</label>
              <input
                id={`${id}-days`}
                className="days-input"
                type="text"
                inputMode="numeric"
                aria-label={t('settings.retentionDaysCount')}
                value={draft.days}
                disabled={draft.keepAll}
                onChange={(e) => update('days', e.target.value)}
                onBlur={blur('days')}
                aria-invalid={fieldError('days') ? true : undefined}
                aria-describedby={fieldError('days') ? `${id}-days-error` : `${id}-retention-hint`}
              />
              <span>{t('settings.retentionDaysUnit')}</span>
            </div>
          </div>
          {fieldError('days') && (
            <p id={`${id}-days-error`} className="field-error" role="alert">
              {fieldError('days')}
            </p>
          )}
          <p id={`${id}-retention-hint`} className="field-hint">
            {t('settings.retentionHint')}
          </p>
        </fieldset>

        <fieldset>
          <legend>{t('settings.alerts')}</legend>
          <div className="check">
            <input id={`${id}-alerts`} type="checkbox" checked={draft.alertsEnabled} onChange={(e) => update('alertsEnabled', e.target.checked)} />
            <label htmlFor={`${id}-alerts`}>{t('settings.alertsEnabled')}</label>
          </div>
          <div className="field-row">
            <Field id={`${id}-threshold`} label={t('settings.alertsThreshold')} error={fieldError('threshold')} className="field-narrow">
              <input type="text" inputMode="numeric" value={draft.threshold} disabled={!draft.alertsEnabled} onChange={(e) => update('threshold', e.target.value)} onBlur={blur('threshold')} />
            </Field>
            <Field id={`${id}-windowMinutes`} label={t('settings.alertsWindow')} error={fieldError('windowMinutes')} className="field-narrow">
              <input type="text" inputMode="numeric" value={draft.windowMinutes} disabled={!draft.alertsEnabled} onChange={(e) => update('windowMinutes', e.target.value)} onBlur={blur('windowMinutes')} />
            </Field>
          </div>
          <Field id={`${id}-webhookUrl`} label={t('settings.alertsWebhook')} hint={t('settings.alertsWebhookHint')} error={fieldError('webhookUrl')}>
            <input type="url" spellCheck={false} value={draft.webhookUrl} disabled={!draft.alertsEnabled} onChange={(e) => update('webhookUrl', e.target.value)} onBlur={blur('webhookUrl')} />
          </Field>
          <h4 className="subheading">{t('alerts.perPortal')}</h4>
          <PortalAlertRules drafts={draft.perPortal} onChange={(rules) => update('perPortal', rules)} defaults={{ threshold: draft.threshold, windowMinutes: draft.windowMinutes }} showErrors={submitted} />
        </fieldset>

        <fieldset>
          <legend>{t('settings.app')}</legend>
          <div className="check">
            <input id={`${id}-notifications`} type="checkbox" checked={draft.notifications} onChange={(e) => update('notifications', e.target.checked)} />
            <label htmlFor={`${id}-notifications`}>{t('settings.notifications')}</label>
          </div>
          {api.transport === 'ipc' && (
            <div className="check">
              <input id={`${id}-autostart`} type="checkbox" checked={draft.autoStart} onChange={(e) => update('autoStart', e.target.checked)} />
              <label htmlFor={`${id}-autostart`}>{t('settings.autoStart')}</label>
            </div>
          )}
          <Field id={`${id}-language`} label={t('settings.language')} className="field-narrow">
            <select value={draft.language} onChange={(e) => update('language', e.target.value as Language)}>
              <option value="system">{t('settings.language.system', { language: systemName })}</option>
              <option value="en" lang="en">
                {t('settings.language.en')}
              </option>
              <option value="ru" lang="ru">
                {t('settings.language.ru')}
              </option>
            </select>
          </Field>
        </fieldset>

        <div className="form-actions sticky-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !dirty}>
            {busy ? t('settings.saving') : t('settings.save')}
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            disabled={busy || !dirty}
            onClick={() => {
              setDraft(draftOf(settings));
              setTouched({});
              setSubmitted(false);
              setCoreError(null);
            }}
          >
            {t('settings.discard')}
          </button>
          <span aria-live="polite" className="form-status">
            {saved && <span className="ok-text">{t('settings.saved')}</span>}
          </span>
        </div>
        {coreError && coreError.field === null && (
          <p className="error-text" role="alert">
            {t('settings.failed', { error: coreError.message })}
          </p>
        )}
      </form>

      <section className="card" aria-labelledby={`${id}-tokens`}>
        <h3 id={`${id}-tokens`}>{t('tokens.title')}</h3>
        <TokenList tokens={settings.tokens} onChanged={onSettings} />
        <TokenForm tokens={settings.tokens} onAdded={onSettings} />
      </section>
      <PortalApps status={status} />

      <p className="muted small about">{t('settings.about', { dir: status.dataDir, version: status.version })}</p>
    </div>
  );
}
