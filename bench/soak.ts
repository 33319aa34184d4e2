/**
 * `npm run soak [-- --minutes N] [--ops-per-sec R] [--json] [--keep]`: a backup job under a mixed write load and every kind of fault,
 * on services of its own, then restores to recorded moments, the bounds check and the slice coverage check
 * (bench/harness/soak-run.ts). Prints a summary and, with --json, the JSON line of DESIGN.md ("Benchmarks
 * and soak"). Exits 1 if anything was lost, duplicated or left uncovered, or fewer than five restores were
 * verified; 2 for a bad option. `--keep` leaves the services' data directory (stopped) for a post-mortem;
 * a run that loses a document traces it through the source's oplog, the slices and the head either way.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runAbortCleanups } from './harness/cleanup.js';
import { runSoak, soakFailures } from './harness/soak-run.js';

const Minutes = z.coerce.number().positive().max(24 * 60);
const OpsPerSec = z.coerce.number().int().min(1).max(10_000);
/**
 * The default load: what the stand-in source can carry with room for 30 s outages. Apply on FerretDB
 * runs at about 100 entries/s (docs/benchmarks), so a load near that never lets the job catch up after a
 * fault, and the soak's 8 MiB oplog then holds about 2 minutes (docs/reliability.md, "Runs").
 */
const DEFAULT_OPS_PER_SEC = '25';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, 'ops-per-sec': { type: 'string', default: DEFAULT_OPS_PER_SEC }, json: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } });
  const minutes = Minutes.safeParse(values.minutes);
  if (!minutes.success) {
    console.error(`invalid --minutes '${values.minutes}': a number of minutes above 0 (usage: npm run soak [-- --minutes N] [--json])`);
    return 2;
  }
  const rate = OpsPerSec.safeParse(values['ops-per-sec']);
  if (!rate.success) {
    console.error(`invalid --ops-per-sec '${values['ops-per-sec']}': a whole number of writes per second, 1 to 10000`);
    return 2;
  }
  const { result, notes, secretsFound } = await runSoak({ minutes: minutes.data, opsPerSec: rate.data, keep: values.keep });
  console.log('\nsoak summary');
  for (const [k, v] of Object.entries(result)) console.log(`  ${k.padEnd(16)} ${JSON.stringify(v)}`);
  for (const n of notes) console.log(`  note: ${n}`);
  const failures = soakFailures(result, secretsFound);
  console.log(failures.length === 0 ? '  verdict: passed' : `  verdict: FAILED: ${failures.join('; ')}`);
  if (values.json) console.log(JSON.stringify(result));
  return failures.length === 0 ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void runAbortCleanups(120_000).finally(() => process.exit(130)));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
