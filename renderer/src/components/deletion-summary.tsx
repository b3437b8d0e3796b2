/** One deletion as a one-row table (event, type, item id, portal; optionally when it arrived): the setup guide shows two. */
import type { DeletionRecord } from '../../../electron/core/contract';
import { useI18n } from '../i18n/i18n-context';

export function DeletionSummary({ record, caption, captionHidden = false, withReceivedAt = false, className = '' }: {
  record: DeletionRecord;
  caption: string;
  captionHidden?: boolean;
  withReceivedAt?: boolean;
  className?: string;
}) {
  const { t, dateTime, entityType } = useI18n();
  return (
    <table className={`simple-table ${className}`.trim()}>
      <caption className={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
      <thead>
        <tr>
          {withReceivedAt && <th scope="col">{t('table.col.receivedAt')}</th>}
          <th scope="col">{t('table.col.event')}</th>
          <th scope="col">{t('table.col.entityType')}</th>
          <th scope="col">{t('table.col.itemId')}</th>
          <th scope="col">{t('table.col.portal')}</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          {withReceivedAt && <td className="mono nowrap">{dateTime(record.receivedAt)}</td>}
          <td className="mono">{record.event}</td>
          <td>{entityType(record.entityTypeId)}</td>
          <td className="mono">{String(record.itemId)}</td>
          <td>{record.portal}</td>
        </tr>
      </tbody>
    </table>
  );
}
