// `headwater sync start|status`: run an initial sync by hand and watch its phases. Internal: a backup job
// (`headwater job`) runs its syncs itself, with its key, filter and member choice; hidden from the help,
// kept for diagnosis and for the tests that drive one sync alone.
import type { Command } from 'commander';
import { PHASES, type SyncProgress } from '../../contracts/initial-sync.js';
import { print, withClient } from './context.js';
import { syncNumber, wholeNumber } from './options.js';
import { phaseReading, progressBar, withProgress } from './progress.js';

/** The bar's words for a sync's progress: documents copied and built, oplog entries captured and applied. */
function syncDetail(p: SyncProgress): string {
  const c = Object.values(p.collections);
  const docs = c.reduce((n, x) => n + x.docs, 0);
  const built = c.reduce((n, x) => n + x.built, 0);
  return `${docs} docs copied, ${built} slices built, ${p.oplog.entries} oplog entries, ${p.applied.entries} applied`;
}

export function registerSyncCommands(program: Command): void {
  const sync = program
    .command('sync', { hidden: true })
    .description('internal: one initial sync by hand (a job runs its own; use `headwater job`)');
  sync
    .command('start <jobId>')
    .description('copy the source into a new head database, then apply the oplog')
    .requiredOption('--source <connection>', 'connection id of the source replica set')
    .option('--head <connection>', 'connection id of the head database', 'head')
    .option('--include <ns...>', 'namespaces to back up (db, db.coll, wildcards)', [])
    .option('--exclude <ns...>', 'namespaces to leave out', [])
    .option('--sync-number <n>', 'sync number (a resync uses the next one)', syncNumber, 1)
    .option('--parallelism <n>', 'collections and ranges copied at once', wholeNumber('--parallelism', { min: 1, max: 32 }), 4)
    .option('--wait', 'wait until the sync is complete')
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withClient(async (client) => {
        const input = {
          jobId,
          source: o.source,
          head: o.head,
          syncNumber: o.syncNumber as number,
          parallelism: o.parallelism as number,
          filter: { include: o.include, exclude: o.exclude },
        };
        const id = await client.startInitialSync(input);
        if (!o.wait) return print({ workflowId: id }, o.json, () => `started ${id}`);
        const res = await withProgress(
          progressBar('initial sync', { json: o.json }),
          client.syncResult(jobId, input.syncNumber),
          () => client.syncProgress(jobId, input.syncNumber),
          (p) => phaseReading(PHASES, p.phase, syncDetail(p)),
        );
        print(res, o.json, () => `complete: head consistent at ${res.consistentAt}`);
      }),
    );
  sync
    .command('status <jobId>')
    .option('--sync-number <n>', 'sync number', syncNumber, 1)
    .option('--json', 'print JSON')
    .action(async (jobId: string, o) =>
      withClient(async (client) => {
        const p = await client.syncProgress(jobId, o.syncNumber as number);
        print(p, o.json, () => {
          const rows = Object.entries(p.collections).map(
            ([ns, c]) => `  ${ns}: ${c.docs} docs, ${c.bytes} bytes, ${c.slices} slices, ${c.built} built`,
          );
          return [
            `phase: ${p.phase}`,
            `oplog: ${p.oplog.entries} entries in ${p.oplog.slices} slices, applied ${p.applied.entries}`,
            ...rows,
          ].join('\n');
        });
      }),
    );
}
