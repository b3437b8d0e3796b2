import { afterEach } from 'vitest';
import { MonitorCore, type MonitorCoreOptions } from '../../electron/core/monitor-core.js';
import { tempDir } from './temp-dir.js';

const running: MonitorCore[] = [];

/** A real MonitorCore on a temp data folder, no tunnel, any free port; stopped after the test. */
export async function startCore(options: Partial<MonitorCoreOptions> = {}): Promise<{ core: MonitorCore; port: number; dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir();
  const core = await MonitorCore.start({ dataDir, port: 0, tunnel: { enabled: false }, fsync: false, ...options });
  running.push(core);
  return { core, port: Number(new URL(core.eventsUrl!).port), dataDir };
}

afterEach(async () => {
  for (const core of running.splice(0)) await core.stop();
});
