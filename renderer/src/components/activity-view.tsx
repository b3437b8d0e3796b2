/**
 * The activity view: for the log's filter, deletions per day (or hour, for three days or less) stacked by
 * entity type, and the users and portals with the most deletions. The core adds the numbers up from its
 * tallies (`getActivity`); no rows come to the page. The chart's numbers are also in a table, for screen
 * readers and the keyboard; a bar (or a row of the table) opens its deletions in the log.
 */
import { useCallback, useMemo, useState } from 'react';
import type { Activity, DeletionFilter } from '../../../electron/core/contract';
import { errorMessage } from '../api/call-error';
import { useActivity } from '../hooks/use-activity';
import type { Facets } from '../hooks/use-facets';
import { useI18n } from '../i18n/i18n-context';
import type { I18n } from '../i18n/i18n';
import { isFilterEmpty } from '../lib/filter';
import { ActivityChart, SERIES_COLOURS } from './activity-chart';
import { FilterBar } from './filter-bar';

export interface ActivityViewProps {
  filter: DeletionFilter;
  onFilter: (filter: DeletionFilter) => void;
  facets: Facets;
  focusRequest: number;
  /** Open the log with this filter (a bar, a table row or a portal was chosen). */
  onShowInLog: (filter: DeletionFilter) => void;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2025-11-26`, or `2025-11-26 14:00` for hours, in this browser's time (the zone the core counted in). */
export function periodText(ms: number, granularity: Activity['granularity']): string {
  const d = new Date(ms);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return granularity === 'hour' ? `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}` : day;
}

function typeName(activity: Activity, facets: Facets, id: number, i18n: I18n): string {
  return activity.entityTypeNames?.[id] ?? facets.entityTypeNames?.[id] ?? i18n.entityType(id);
}

/** The filter of a bucket (and a type): the bucket's hours within the filter's own range. */
export function bucketFilter(filter: DeletionFilter, activity: Activity, bucket: number, typeIndex: number | null): DeletionFilter {
  const b = activity.buckets[bucket]!;
  const next: DeletionFilter = { ...filter, from: Math.max(b.start, filter.from ?? -Infinity), to: Math.min(b.end, filter.to ?? Infinity) };
  if (typeIndex !== null) next.entityTypeId = activity.entityTypeIds[typeIndex];
  return next;
}

export function ActivityView({ filter, onFilter, facets, focusRequest, onShowInLog }: ActivityViewProps) {
  const i18n = useI18n();
  const { t, count, lang } = i18n;
  const { activity, error, loading } = useActivity(filter);
  const [hover, setHover] = useState<number | null>(null);

  const formats = useMemo(() => {
    const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';
    return { day: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }), hour: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }) };
  }, [lang]);
  // Hours say their day at midnight, so a chart of two days reads without the table.
  const tickLabel = useCallback(
    (i: number) => {
      const b = activity?.buckets[i];
      if (!b) return '';
      if (activity.granularity === 'day') return formats.day.format(b.start);
      return new Date(b.start).getHours() === 0 ? formats.day.format(b.start) : formats.hour.format(b.start);
    },
    [activity, formats],
  );
  const pick = useCallback(
    (bucket: number, typeIndex: number | null) => {
      if (activity) onShowInLog(bucketFilter(filter, activity, bucket, typeIndex));
    },
    [activity, filter, onShowInLog],
  );

  const names = activity ? activity.entityTypeIds.map((id) => typeName(activity, facets, id, i18n)) : [];
  const rows = activity ? activity.buckets.map((b, i) => ({ b, i })).filter(({ b }) => b.total > 0) : [];
  const hovered = activity && hover !== null ? activity.buckets[hover] : undefined;
  const title = activity?.granularity === 'hour' ? t('activity.perHour') : t('activity.perDay');

  return (
    <div className="activity-view">
      <FilterBar filter={filter} onChange={onFilter} facets={facets} focusRequest={focusRequest} />
      <div className="page activity" aria-busy={loading || undefined}>
        <div className="page-head">
          <h2 tabIndex={-1}>{t('activity.title')}</h2>
          <span className="match-count" data-testid="activity-total">
            {activity ? t('table.count', { count: activity.total }) : ''}
          </span>
        </div>
        {error !== null && (
          <p className="error-text" role="alert">
            {t('activity.loadFailed', { error: errorMessage(error) })}
          </p>
        )}
        {activity && activity.total === 0 && <p className="empty">{isFilterEmpty(filter) ? t('table.empty') : t('table.emptyFiltered')}</p>}
        {activity && activity.total > 0 && (
          <>
            <section className="card activity-card" aria-labelledby="activity-chart-title">
              <div className="activity-card-head">
                <h3 id="activity-chart-title">{title}</h3>
                <p className="muted activity-readout" data-testid="activity-readout">
                  {hovered ? `${periodText(hovered.start, activity.granularity)}: ${t('table.count', { count: hovered.total })}` : t('activity.hint')}
                </p>
              </div>
              <ul className="activity-legend" aria-label={t('activity.legend')}>
                {names.map((name, i) => (
                  <li key={activity.entityTypeIds[i]}>
                    <span className={`swatch swatch-${i % SERIES_COLOURS}`} aria-hidden="true" />
                    {name} <span className="muted">{count(activity.typeTotals[i]!)}</span>
                  </li>
                ))}
              </ul>
              <ActivityChart
                activity={activity}
                tickLabel={tickLabel}
                count={count}
                label={t('activity.chartLabel', { title, count: count(activity.total), from: periodText(activity.buckets[0]!.start, activity.granularity), to: periodText(activity.buckets.at(-1)!.start, activity.granularity) })}
                onPick={pick}
                onHover={setHover}
              />
              <details className="activity-numbers">
                <summary>{t('activity.numbers')}</summary>
                <div className="table-scroll">
                  <table className="simple-table activity-table" data-testid="activity-table">
                    <caption className="visually-hidden">{title}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{activity.granularity === 'hour' ? t('activity.col.hour') : t('activity.col.day')}</th>
                        {names.map((name, i) => (
                          <th scope="col" key={activity.entityTypeIds[i]} className="num" data-type={activity.entityTypeIds[i]}>
                            {name}
                          </th>
                        ))}
                        <th scope="col" className="num">
                          {t('activity.col.total')}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map(({ b, i }) => {
                        const period = periodText(b.start, activity.granularity);
                        return (
                          <tr key={b.start} data-start={b.start} data-end={b.end}>
                            <th scope="row">
                              <button type="button" className="link-button" onClick={() => pick(i, null)} aria-label={t('activity.showInLog', { period, count: count(b.total) })}>
                                {period}
                              </button>
                            </th>
                            {b.counts.map((n, type) => (
                              <td key={activity.entityTypeIds[type]} className="num" data-type={activity.entityTypeIds[type]}>
                                {n === 0 ? (
                                  <span className="muted">0</span>
                                ) : (
                                  <button type="button" className="link-button" onClick={() => pick(i, type)} aria-label={t('activity.showTypeInLog', { period, type: names[type]!, count: count(n) })}>
                                    {count(n)}
                                  </button>
                                )}
                              </td>
                            ))}
                            <td className="num" data-total>
                              {count(b.total)}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              </details>
            </section>
            <div className="activity-tops">
              <section className="card" aria-labelledby="activity-users-title">
                <h3 id="activity-users-title">{t('activity.topUsers')}</h3>
                <table className="simple-table activity-users" data-testid="activity-users">
                  <thead>
                    <tr>
                      <th scope="col">{t('activity.col.user')}</th>
                      <th scope="col">{t('activity.col.portal')}</th>
                      <th scope="col" className="num">
                        {t('activity.col.count')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {activity.topUsers.map((u) => (
                      <tr key={`${u.portal} ${u.userId}`} data-user={u.userId ?? ''} data-portal={u.portal}>
                        <td>{u.userName ?? (u.userId === null ? t('activity.automation') : t('table.userId', { id: String(u.userId) }))}</td>
                        <td>{u.portal}</td>
                        <td className="num">{count(u.count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section className="card" aria-labelledby="activity-portals-title">
                <h3 id="activity-portals-title">{t('activity.topPortals')}</h3>
                <table className="simple-table activity-portals" data-testid="activity-portals">
                  <thead>
                    <tr>
                      <th scope="col">{t('activity.col.portal')}</th>
                      <th scope="col" className="num">
                        {t('activity.col.count')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {activity.topPortals.map((p) => (
                      <tr key={p.portal} data-portal={p.portal}>
                        <td>
                          <button type="button" className="link-button" onClick={() => onShowInLog({ ...filter, portal: p.portal })} aria-label={t('activity.showPortalInLog', { portal: p.portal })}>
                            {p.portal}
                          </button>
                        </td>
                        <td className="num">{count(p.count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
