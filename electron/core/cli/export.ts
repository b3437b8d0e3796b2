/**
 * `npm run export -- --data-dir DIR --out FILE [filters]`: the same CSV the UI writes. Opens the log
 * read-only, so it is safe beside a running monitor.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DeletionFilter } from '../contract.js';
import { filterSchema } from '../contract-schemas.js';
import { exportCsv, joinedScanner, type CsvLanguage } from '../export/csv-export.js';
import { NameDirectory } from '../portal-app/name-directory.js';
import { SnapshotStore, joinFrozenSnapshots } from '../portal-app/snapshot-store.js';
import { DeletionStore } from '../store/deletion-store.js';
import { defaultDataDir } from '../paths.js';
import { describeError } from '../util/logger.js';

const USAGE = `Usage: npm run export -- --out FILE [options]
  --data-dir DIR      data folder (default: ${defaultDataDir()})
  --out FILE          CSV file to write (UTF-8 with BOM)
  --from ISO          received at or after (e.g. 2026-01-31 or 2026-01-31T10:00:00Z)
  --to ISO            received before
  --event NAME        e.g. ONCRMDEALDELETE
  --entity-type N     e.g. 2 for deals, 1220 for a smart process
  --portal DOMAIN     e.g. example.bitrix24.com
  --include-tests     also the deletions "Send a test event" made (left out otherwise)
  --lang en|ru        the header, yes/no and type names (default en)`;

function time(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`${flag} must be an ISO date or date-time, got "${value}"`);
  return ms;
}

/** Parses the options into a data folder, output file and validated filter. */
export function parseExportArgs(argv: string[]): { dataDir: string; out: string; filter: DeletionFilter; language: CsvLanguage } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      event: { type: 'string' },
      'entity-type': { type: 'string' },
      portal: { type: 'string' },
      'include-tests': { type: 'boolean' },
      lang: { type: 'string' },
    },
  });
  const language = values.lang ?? 'en';
  if (language !== 'en' && language !== 'ru') throw new Error(`--lang must be en or ru, got "${language}"`);
  if (!values.out) throw new Error('--out FILE is required');
  const entityType = values['entity-type'];
  if (entityType !== undefined && !/^[1-9]\d{0,9}$/.test(entityType)) throw new Error(`--entity-type must be a positive number, got "${entityType}"`);
  const parsed = filterSchema.safeParse({
    event: values.event,
    entityTypeId: entityType === undefined ? undefined : Number(entityType),
    portal: values.portal,
    from: time(values.from, '--from'),
    to: time(values.to, '--to'),
    includeTests: values['include-tests'] || undefined,
  });
  if (!parsed.success) throw new Error(`bad filter: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`);
  const filter = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as DeletionFilter;
  return { dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()), out: path.resolve(values.out), filter, language };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseExportArgs>;
  try {
    args = parseExportArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`export: ${describeError(error)}\n\n${USAGE}\n`);
    process.exit(2);
  }
  try {
    const store = await DeletionStore.open({ dir: path.join(args.dataDir, 'log'), readOnly: true });
    // Names application mode keeps beside the log (read only: opening writes nothing).
    const names = await NameDirectory.open(args.dataDir);
    // Snapshots frozen beside the rows (read only), with their responsible users' names.
    const snapshots = await SnapshotStore.open(args.dataDir, { readOnly: true });
    const userName = (portal: string, userId: number): string | undefined => names.join({ portal, userId, entityTypeId: 0 }).userName;
    const { rows } = await exportCsv(joinedScanner(store, (r) => names.join(r), (batch) => joinFrozenSnapshots(batch, snapshots, userName)), args.filter, args.out, undefined, args.language);
    await store.close();
    for (const file of store.health.quarantinedFiles) process.stderr.write(`export: skipped damaged file ${file}\n`);
    process.stdout.write(`exported ${rows} deletion(s) to ${args.out}\n`);
  } catch (error) {
    process.stderr.write(`export: ${describeError(error)}\n`);
    process.exit(1);
  }
}

void main();
