/**
 * Electronegativity over the app's source (electron/ and renderer/, with package.json so it knows the
 * Electron version), inside the test run. It exits 0 whatever it finds, so the test reads its reports.
 *
 * Its SARIF (1.10.3) carries no severity: `level` is `note` for "review required" findings and
 * `warning` for definite ones. Severity and confidence are only in its CSV report, so the same scan is
 * written both ways and joined on (rule, file, line, column). Any high or medium finding fails the test,
 * except review-required ones listed in REVIEWED with the reason they are fine (a stale entry fails too).
 * With `-o` it also drops files it cannot parse without a word, so every file is parsed here with its
 * own parser first.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const CLI = path.resolve('node_modules/@doyensec/electronegativity/dist/index.js');
const SCANNED = ['electron', 'renderer'];

/** Review-required findings that were reviewed: why each is safe, and the test that shows it. */
const REVIEWED: Array<{ rule: string; file: string; reason: string }> = [
  {
    rule: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'electron/main/web-security.ts',
    reason: 'openExternal runs only for https URLs on allow-listed hosts (isAllowedExternalUrl; test/electron/main/web-security.test.ts)',
  },
  {
    rule: 'PRELOAD_JS_CHECK',
    file: 'electron/main/window.ts',
    reason: 'the preload exposes only named contract methods through contextBridge (test/electron/preload/preload.test.ts)',
  },
];

interface Finding {
  rule: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  column: number;
  reviewRequired: boolean;
  description: string;
}

interface SarifResult {
  ruleId: string;
  level: 'note' | 'warning' | 'error';
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }>;
}

/** The files Electronegativity reads (its own filter: js/jsx/ts/tsx/html/htm and package.json, no node_modules). */
function scannableFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (/\.(jsx?|tsx?|html?)$/i.test(entry.name) || entry.name === 'package.json') {
        out.push(path.relative(root, full).split(path.sep).join('/'));
      }
    }
  };
  walk(root);
  return out.sort();
}

/** Joins the SARIF results (review flag) with the CSV rows (severity) of the same scan. */
function joinReports(sarifFile: string, csvFile: string): Finding[] {
  const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs: Array<{ results: SarifResult[] }> };
  const rows = parse(readFileSync(csvFile, 'utf8'), { columns: true, trim: true }) as Array<Record<string, string>>;
  const key = (rule: string, file: string, line: number, column: number): string => `${rule}|${file}|${Math.max(line, 1)}|${column}`;
  const severities = new Map<string, Array<{ severity: string; confidence: string }>>();
  for (const row of rows) {
    const [line, column] = (row['location'] ?? '0:0').split(':').map(Number);
    const file = row['filename'] === 'N/A' ? 'file:///' : row['filename']!;
    const k = key(row['issue']!, file, line!, column! + 1);
    severities.set(k, [...(severities.get(k) ?? []), { severity: row['severity']!, confidence: row['confidence']! }]);
  }
  const results = sarif.runs.flatMap((r) => r.results);
  expect(results.length, 'SARIF and CSV list the same findings').toBe(rows.length);
  return results.map((result) => {
    const location = result.locations[0]!.physicalLocation;
    const k = key(result.ruleId, location.artifactLocation.uri, location.region.startLine, location.region.startColumn);
    const match = severities.get(k)?.shift();
    if (!match) throw new Error(`no CSV row for SARIF result ${k}`);
    return {
      rule: result.ruleId,
      ...match,
      file: location.artifactLocation.uri === 'file:///' ? '(global)' : location.artifactLocation.uri,
      line: location.region.startLine,
      column: location.region.startColumn,
      reviewRequired: result.level === 'note',
      description: result.message.text,
    };
  });
}

describe('Electronegativity', () => {
  it('finds no high or medium issue in electron/ and renderer/', { timeout: 240_000 }, async () => {
    const root = path.join(tempDir('b24dm-eneg-'), 'app');
    mkdirSync(root);
    for (const dir of SCANNED) cpSync(dir, path.join(root, dir), { recursive: true });
    cpSync('package.json', path.join(root, 'package.json'));

    // Parse every file with Electronegativity's own parser (it would skip unparsable files silently).
    const { Parser } = require('@doyensec/electronegativity/dist/parser/parser.js') as { Parser: new (babelFirst: boolean, tsBabelFirst: boolean) => { parse(file: string, content: string): unknown } };
    const parser = new Parser(false, true);
    const files = scannableFiles(root);
    const unparsable = files.filter((file) => {
      try {
        parser.parse(file, readFileSync(path.join(root, file), 'utf8'));
        return false;
      } catch {
        return true;
      }
    });
    expect(unparsable, 'files Electronegativity cannot parse').toEqual([]);
    expect(files.filter((f) => f.startsWith('electron/main/')).length).toBeGreaterThan(5);

    const sarifFile = path.join(root, '..', 'report.sarif');
    const csvFile = path.join(root, '..', 'report.csv');
    // The preload makes the CLI's file writes happen in order (its CSV writer races itself; see the file).
    const inOrder = pathToFileURL(path.resolve('test/helpers/sequential-writefile.mjs')).href;
    const scan = (out: string) => run(process.execPath, ['--import', inOrder, CLI, '-i', root, '-o', out, '-r'], { timeout: 200_000, maxBuffer: 16 * 1024 * 1024 });
    await Promise.all([scan(sarifFile), scan(csvFile)]);

    const findings = joinReports(sarifFile, csvFile);
    const bySeverity: Record<string, number> = {};
    for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    const reviewed = (f: Finding): boolean => f.reviewRequired && REVIEWED.some((r) => r.rule === f.rule && r.file === f.file);
    const serious = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM');
    const accepted = serious.filter(reviewed);
    const summary = Object.entries(bySeverity).map(([s, n]) => `${s.toLowerCase()} ${n}`).join(', ') || 'none';
    console.log(
      `Electronegativity: ${files.length} files scanned (${SCANNED.join('/, ')}/, package.json), findings: ${summary}; ` +
        `${accepted.length} reviewed high/medium (${accepted.map((f) => f.rule).join(', ') || 'none'}), ${serious.length - accepted.length} unreviewed`,
    );

    expect(serious.filter((f) => !reviewed(f)).map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line} ${f.description}`)).toEqual([]);
    const stale = REVIEWED.filter((r) => !serious.some((f) => f.rule === r.rule && f.file === r.file));
    expect(stale, 'REVIEWED entries that no longer match a finding').toEqual([]);
  });
});
