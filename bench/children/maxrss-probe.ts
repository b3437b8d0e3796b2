/**
 * Loaded with `node --import` in front of a CLI: reports the process's peak RSS on exit (one
 * `BENCH_MAXRSS_KB=<n>` line on stderr), so the export can be measured without changing it.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\nBENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
