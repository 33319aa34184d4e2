/**
 * `headwater catalog rebuild --store <id>`: recreates the catalog's snapshot records from the manifests in
 * a store alone (the store is self-describing). Exits non-zero if a manifest could not be read.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { rebuildSnapshotCatalog } from '../../snapshot/rebuild-catalog.js';
import { createDeps } from '../../worker/deps.js';
import { print } from './context.js';

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('the catalog database');
  catalog
    .command('rebuild')
    .description("recreate the snapshot records from a store's manifests")
    .requiredOption('--store <id>', 'snapshot store id')
    .option('--json', 'print JSON')
    .action(async (o: { store: string; json?: boolean }) => {
      const deps = createDeps(loadConfig());
      try {
        const r = await rebuildSnapshotCatalog({
          store: deps.store(o.store),
          storeId: o.store,
          catalog: deps.catalog,
        });
        print(r, o.json === true, () =>
          [
            `recorded ${r.recorded.length} snapshots from store '${o.store}', removed ${r.removed.length} records without a manifest`,
            ...r.unreadable.map((u) => `unreadable manifest ${u.key}: ${u.error}`),
          ].join('\n'),
        );
        if (r.unreadable.length > 0) process.exitCode = 1;
      } finally {
        await deps.close();
      }
    });
}
