// `headwater job check <jobId>`: proves the job's oplog slices cover its oplog without holes or overlaps.
import type { Command } from 'commander';
import { checkJobCoverage } from '../../catalog/check-coverage.js';
import { loadConfig } from '../../config/load.js';
import { createDeps } from '../../worker/deps.js';
import { print } from './context.js';

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('backup jobs');
  job
    .command('check <jobId>')
    .description('check that the captured oplog slices are continuous from the sync start')
    .option('--sync-number <n>', 'the initial sync to check from', '1')
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) => {
      const deps = createDeps(loadConfig());
      try {
        const r = await checkJobCoverage(deps.catalog, jobId, Number(o.syncNumber));
        print(r, o.json, () =>
          r.ok
            ? `ok: ${r.slices} slices cover ${r.from} to ${r.through} without holes or overlaps`
            : [
                `NOT CONTINUOUS: ${r.holes.length} holes, ${r.overlaps.length} overlaps`,
                ...r.holes.map((h) => `  hole after ${h.after} before ${h.before} (slice ${h.slice})`),
                ...r.overlaps.map((v) => `  overlap: ${v.slice} repeats entries of ${v.previous}`),
              ].join('\n'),
        );
        if (!r.ok) process.exitCode = 2;
      } finally {
        await deps.close();
      }
    });
}
