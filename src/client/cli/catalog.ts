/**
 * `headwater catalog rebuild --store <id>`: recreates the catalog's snapshot records from the manifests in
 * a store alone (the store is self-describing). A worker does it (a `catalog/rebuild/<store>` workflow:
 * the CLI holds no catalog or store, only Temporal). Exits non-zero if a manifest could not be read.
 */
import type { Command } from 'commander';
import { print, withClient } from './context.js';

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('the catalog database');
  catalog
    .command('rebuild')
    .description("recreate the snapshot records from a store's manifests (a worker reads the store)")
    .requiredOption('--store <id>', 'snapshot store id (in the worker\'s configuration)')
    .option('--json', 'print JSON')
    .action(async (o: { store: string; json?: boolean }) =>
      withClient(async (client) => {
        const r = await client.catalog.rebuildCatalog(o.store);
        print(r, o.json === true, () =>
          [
            `recorded ${r.recorded.length} snapshots from store '${o.store}', removed ${r.removed.length} records without a manifest`,
            ...r.unreadable.map((u) => `unreadable manifest ${u.key}: ${u.error}`),
          ].join('\n'),
        );
        if (r.unreadable.length > 0) process.exitCode = 1;
      }),
    );
}
