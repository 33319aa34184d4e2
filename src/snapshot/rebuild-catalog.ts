/**
 * Recreates the catalog's snapshot records of one store from the manifests in it alone (the store is
 * self-describing): every committed manifest becomes a record, and records of that store whose manifest
 * is gone are removed. Staged manifests are not snapshots and are ignored. A manifest that cannot be read
 * is reported, never recorded.
 */
import type { Catalog } from '../catalog/catalog.js';
import { HeadwaterError } from '../errors/domain-errors.js';
import type { BlobStore } from '../store/blob-store.js';
import { MANIFESTS_PREFIX, parseManifestKey } from '../store/layout.js';
import { recordOf } from './commit-snapshot.js';
import { readManifest } from './decode-snapshot.js';

export interface RebuildReport {
  recorded: string[];
  removed: string[];
  unreadable: Array<{ key: string; error: string }>;
}

export async function rebuildSnapshotCatalog(o: { store: BlobStore; storeId: string; catalog: Catalog }): Promise<RebuildReport> {
  await o.catalog.snapshots.ensureIndexes();
  const report: RebuildReport = { recorded: [], removed: [], unreadable: [] };
  for await (const entry of o.store.list(MANIFESTS_PREFIX)) {
    if (parseManifestKey(entry.key) === undefined) continue;
    try {
      const record = recordOf(await readManifest(o.store, entry.key), o.storeId, entry.key);
      await o.catalog.snapshots.record(record);
      report.recorded.push(record._id);
    } catch (err) {
      if (!(err instanceof HeadwaterError)) throw err;
      report.unreadable.push({ key: entry.key, error: err.message });
    }
  }
  const found = new Set(report.recorded);
  const unreadable = new Set(report.unreadable.map((u) => u.key));
  for (const rec of await o.catalog.snapshots.listInStore(o.storeId)) {
    if (found.has(rec._id) || unreadable.has(rec.manifestKey)) continue;
    await o.catalog.snapshots.delete(rec._id);
    report.removed.push(rec._id);
  }
  return report;
}
