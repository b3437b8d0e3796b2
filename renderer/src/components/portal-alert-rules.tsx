/**
 * Per-portal mass-deletion rules: a portal with a busy automation may need a higher threshold, a small
 * one a lower. Part of the settings form's draft: checked as typed, saved with the form.
 */
import { useEffect, useId, useState } from 'react';
import { useMonitor } from '../api/monitor-context';
import type { AlertRule } from '../../../electron/core/contract';
import { useI18n } from '../i18n/i18n-context';
import type { MessageKey } from '../i18n/en';
import { normalizePortal, portalError, thresholdError, windowMinutesError } from '../lib/validation';
import { Field } from './field';

export interface PortalRuleDraft {
  portal: string;
  enabled: boolean;
  threshold: string;
  windowMinutes: string;
}

export function ruleDraftsOf(rules: Record<string, AlertRule> | undefined): PortalRuleDraft[] {
  return Object.entries(rules ?? {}).map(([portal, rule]) => ({ portal, enabled: rule.enabled, threshold: String(rule.threshold), windowMinutes: String(rule.windowMinutes) }));
}

/** The drafts as the core's map (only sent once `ruleErrors` finds nothing). */
export function rulesOf(drafts: readonly PortalRuleDraft[]): Record<string, AlertRule> {
  const out: Record<string, AlertRule> = {};
  for (const d of drafts) out[normalizePortal(d.portal)] = { enabled: d.enabled, threshold: Number(d.threshold), windowMinutes: Number(d.windowMinutes) };
  return out;
}

type RuleField = 'portal' | 'threshold' | 'windowMinutes';

/** The first problem of each row, by field. */
export function ruleErrors(drafts: readonly PortalRuleDraft[]): Array<Partial<Record<RuleField, MessageKey>>> {
  const seen = new Set<string>();
  return drafts.map((d) => {
    const errors: Partial<Record<RuleField, MessageKey>> = {};
    const portal = normalizePortal(d.portal);
    const bad = portal === '' ? 'alerts.err.portalRequired' : portalError(d.portal);
    if (bad) errors.portal = bad;
    else if (seen.has(portal)) errors.portal = 'alerts.err.portalTwice';
    seen.add(portal);
    const threshold = thresholdError(d.threshold);
    if (threshold) errors.threshold = threshold;
    const minutes = windowMinutesError(d.windowMinutes);
    if (minutes) errors.windowMinutes = minutes;
    return errors;
  });
}

export function PortalAlertRules({
  drafts,
  onChange,
  defaults,
  showErrors,
}: {
  drafts: PortalRuleDraft[];
  onChange: (drafts: PortalRuleDraft[]) => void;
  /** The common rule, as a new row's starting values. */
  defaults: { threshold: string; windowMinutes: string };
  showErrors: boolean;
}) {
  const { t } = useI18n();
  const api = useMonitor();
  const id = useId();
  // Portals in the log, offered as suggestions.
  const [portals, setPortals] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    api.listFacets().then(
      (facets) => live && setPortals(facets.portals),
      () => undefined, // suggestions only: typing the domain still works
    );
    return () => {
      live = false;
    };
  }, [api]);
  const errors = ruleErrors(drafts);
  const set = (index: number, patch: Partial<PortalRuleDraft>) => onChange(drafts.map((d, i) => (i === index ? { ...d, ...patch } : d)));
  const used = new Set(drafts.map((d) => normalizePortal(d.portal)));
  const suggestion = portals.find((p) => !used.has(p)) ?? '';
  const error = (i: number, field: RuleField) => {
    const key = errors[i]?.[field];
    return key && (showErrors || (field === 'portal' ? drafts[i]!.portal !== '' : true)) ? t(key) : null;
  };

  return (
    <div className="portal-rules">
      <p className="field-hint">{t('alerts.perPortalHint')}</p>
      <datalist id={`${id}-portals`}>
        {portals.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
      {drafts.length > 0 && (
        <ul className="portal-rule-list" aria-label={t('alerts.perPortal')}>
          {drafts.map((d, i) => (
            <li key={i} className="field-row portal-rule">
              <Field id={`${id}-${i}-portal`} label={t('alerts.portal')} error={error(i, 'portal')}>
                <input type="text" spellCheck={false} list={`${id}-portals`} value={d.portal} onChange={(e) => set(i, { portal: e.target.value })} />
              </Field>
              <Field id={`${id}-${i}-threshold`} label={t('settings.alertsThreshold')} error={error(i, 'threshold')} className="field-narrow">
                <input type="text" inputMode="numeric" value={d.threshold} disabled={!d.enabled} onChange={(e) => set(i, { threshold: e.target.value })} />
              </Field>
              <Field id={`${id}-${i}-windowMinutes`} label={t('settings.alertsWindow')} error={error(i, 'windowMinutes')} className="field-narrow">
                <input type="text" inputMode="numeric" value={d.windowMinutes} disabled={!d.enabled} onChange={(e) => set(i, { windowMinutes: e.target.value })} />
              </Field>
              <div className="check portal-rule-on">
                <input id={`${id}-${i}-enabled`} type="checkbox" checked={d.enabled} onChange={(e) => set(i, { enabled: e.target.checked })} />
                <label htmlFor={`${id}-${i}-enabled`}>{t('alerts.ruleOn')}</label>
              </div>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                aria-label={t('alerts.removeRule', { portal: normalizePortal(d.portal) || '…' })}
                onClick={() => onChange(drafts.filter((_, j) => j !== i))}
              >
                {t('alerts.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        className="btn btn-small"
        disabled={drafts.length >= 500}
        onClick={() => onChange([...drafts, { portal: suggestion, enabled: true, threshold: defaults.threshold, windowMinutes: defaults.windowMinutes }])}
      >
        {t('alerts.addRule')}
      </button>
    </div>
  );
}
