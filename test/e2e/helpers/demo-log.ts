/**
 * Fixed demo data for the screenshots: the data folder is written before `serve` starts, through the
 * monitor's own pipeline and stores, with a fixed clock, so every run stores the same deletions,
 * received at the same moments, the same refused requests and the same trusted tokens. Screenshots
 * then change only when the UI does.
 */
import path from 'node:path';
import { EventPipeline } from '../../../electron/core/pipeline/event-pipeline.js';
import { DeletionStore } from '../../../electron/core/store/deletion-store.js';
import { QuarantineStore } from '../../../electron/core/store/quarantine-store.js';
import { SettingsStore } from '../../../electron/core/store/settings-store.js';
import { TokenRegistry, hashToken } from '../../../electron/core/tokens/token-registry.js';

export interface DemoEvent {
  body: string;
  format: 'form' | 'json';
  /** When the monitor received it (ms). */
  receivedAt: number;
  /** The status the pipeline must answer (200 stored, 401 refused). */
  expect: 200 | 401;
}

export interface DemoToken {
  token: string;
  portal: string;
  label: string;
  addedAt: number;
}

/** Writes settings (tokens, tunnel), the log and the quarantine of `dataDir` from the given events. */
export async function seedDemoLog(
  dataDir: string,
  demo: { tokens: DemoToken[]; events: DemoEvent[]; subdomain: string; /** Accepted from any portal, not saved (serve --token). */ runTokens: string[] },
): Promise<void> {
  const settings = await SettingsStore.open(dataDir, { fsync: false });
  for (const t of demo.tokens) await settings.addTokenHash(hashToken(t.token), t.portal, t.label, t.addedAt);
  await settings.update({ tunnel: { enabled: false, subdomain: demo.subdomain } });

  const store = await DeletionStore.open({ dir: path.join(dataDir, 'log'), fsync: false });
  const quarantine = await QuarantineStore.open(dataDir, { fsync: false });
  const tokens = new TokenRegistry();
  tokens.replace([...settings.tokens.map((t) => ({ hash: t.hash, portal: t.portal })), ...demo.runTokens.map((t) => ({ hash: hashToken(t), portal: null }))]);
  let clock = 0;
  const pipeline = new EventPipeline({ store, tokens, quarantine, now: () => clock });
  try {
    for (const event of demo.events) {
      clock = event.receivedAt;
      const answer = await pipeline.handle(Buffer.from(event.body), event.format);
      if (answer.status !== event.expect) throw new Error(`demo event answered ${answer.status}, not ${event.expect}: ${JSON.stringify(answer.body)}`);
    }
  } finally {
    await store.close();
    await quarantine.saveNow();
  }
}
