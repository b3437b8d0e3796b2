/**
 * Everything stored about one deletion, opened from its row: what and where, who, when it happened on the
 * portal and when it arrived (and the delay between), the record as stored (tokens are never in it),
 * and a way to the portal's CRM Recycle Bin, where the item can be restored within 30 days. A dialog:
 * focus moves into it, Escape or Close returns to the row.
 */
import { useEffect, useRef } from 'react';
import { isTestDeletion, type DeletionRecord, type ItemSnapshot } from '../../../electron/core/contract';
import { useAppPortals } from '../hooks/use-app-portals';
import { useI18n } from '../i18n/i18n-context';
import { typeName } from './deletion-row';

/** `1 h 2 min 3 s` style, for the delay between the deletion and its arrival. */
export function formatDelay(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  if (s >= 86_400) parts.push(`${Math.floor(s / 86_400)} d`);
  if (s >= 3_600) parts.push(`${Math.floor((s % 86_400) / 3_600)} h`);
  if (s >= 60) parts.push(`${Math.floor((s % 3_600) / 60)} min`);
  parts.push(`${s % 60} s`);
  return parts.join(' ');
}

/** The portal's CRM Recycle Bin (an https page of the portal; none for the self-test portal). */
export function recycleBinUrl(record: DeletionRecord): string | null {
  if (isTestDeletion(record) || !/^[a-z0-9.-]+$/.test(record.portal)) return null;
  return `https://${record.portal}/crm/recyclebin/`;
}

/** `12 500,00 ₽` in the reader's language; the bare number and code when the currency is not one Intl knows. */
export function formatAmount(amount: number, currency: string | null, lang: string): string {
  if (currency) {
    try {
      return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(amount);
    } catch {
      return `${new Intl.NumberFormat(lang).format(amount)} ${currency}`;
    }
  }
  return new Intl.NumberFormat(lang).format(amount);
}

/** Label and value pairs, one line each. */
function FieldList({ rows }: { rows: [string, string][] }) {
  return (
    <dl className="detail-fields">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What the item was before it was deleted: application mode's snapshot, or why there is none. */
function SnapshotFields({ record, snapshot, appPortal }: { record: DeletionRecord; snapshot: ItemSnapshot | undefined; appPortal: boolean }) {
  const { t, dateTimeLong, lang } = useI18n();
  if (isTestDeletion(record)) return null;
  if (!snapshot) return <p className="muted small snapshot-none">{t(appPortal ? 'detail.snapshotMissing' : 'detail.snapshotNeedsApp')}</p>;
  const rows: [string, string][] = [
    [t('detail.snapshotTitle'), snapshot.title ?? t('common.none')],
    [t('detail.amount'), snapshot.amount === null ? t('common.none') : formatAmount(snapshot.amount, snapshot.currency, lang)],
    [
      t('detail.responsible'),
      snapshot.responsibleName ?? (snapshot.responsibleId === null ? t('common.none') : t('table.userId', { id: String(snapshot.responsibleId) })),
    ],
    [t('detail.updatedAt'), snapshot.updatedAt === null ? t('common.none') : dateTimeLong(snapshot.updatedAt)],
    [t('detail.snapshotTakenAt'), dateTimeLong(snapshot.takenAt)],
  ];
  return (
    <section aria-labelledby="detail-snapshot">
      <h3 id="detail-snapshot" className="subheading">
        {t('detail.snapshot')}
      </h3>
      <FieldList rows={rows} />
    </section>
  );
}

export function DeletionDetail({ record, onClose }: { record: DeletionRecord; onClose: () => void }) {
  const i18n = useI18n();
  const { t, dateTimeLong } = i18n;
  const appPortals = useAppPortals();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), [record.id]);
  const bin = recycleBinUrl(record);
  const who = record.userName ?? (record.userId !== null ? t('table.userId', { id: String(record.userId) }) : appPortals.has(record.portal) ? t('table.automation') : t('detail.unknownUser'));
  const rows: [string, string][] = [
    [t('table.col.event'), record.event],
    [t('table.col.entityType'), `${typeName(record, i18n)} (${record.entityTypeId})`],
    [t('table.col.itemId'), String(record.itemId)],
    [t('table.col.portal'), record.portal],
    [t('detail.deletedBy'), who],
    [t('detail.deletedAt'), dateTimeLong(record.sentAt)],
    [t('detail.receivedAt'), dateTimeLong(record.receivedAt)],
    [t('detail.delay'), formatDelay(record.receivedAt - record.sentAt)],
    [t('table.col.memberId'), record.memberId ?? t('common.none')],
    [t('detail.handler'), record.handlerId === null ? t('common.none') : String(record.handlerId)],
    [t('detail.token'), record.tokenFp],
  ];
  return (
    <div
      className="detail-panel"
      role="dialog"
      aria-modal="true"
      aria-labelledby="detail-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="detail-head">
        <h2 id="detail-title">
          {t('detail.title', { type: typeName(record, i18n), id: String(record.itemId) })}
          {record.snapshot?.title && <span className="detail-item-title"> · {record.snapshot.title}</span>}
        </h2>
        <button ref={closeRef} type="button" className="btn btn-small" onClick={onClose}>
          {t('detail.close')}
        </button>
      </div>
      {isTestDeletion(record) && <p className="note">{t('detail.test')}</p>}
      <SnapshotFields record={record} snapshot={record.snapshot} appPortal={appPortals.has(record.portal)} />
      <h3 className="subheading">{t('detail.deletion')}</h3>
      <FieldList rows={rows} />
      {bin && (
        <p>
          <a href={bin} target="_blank" rel="noopener noreferrer">
            {t('detail.recycleBin')}
          </a>
          <span className="muted small"> {t('detail.recycleBinHint')}</span>
        </p>
      )}
      <details>
        <summary>{t('detail.stored')}</summary>
        <pre className="detail-json">{JSON.stringify(record, null, 2)}</pre>
      </details>
    </div>
  );
}
