/**
 * Removes a job's records from the shared catalog. Tests that run the real worker use the default catalog
 * database on the shared head; left behind, their records pile up over runs, and on FerretDB (no index is
 * used) every catalog query then scans them all: 1,500 leftover slice records cost 120 ms of head CPU per
 * `unbuilt` query.
 */
import type { MongoClient } from 'mongodb';
import { CatalogCollections } from '../../src/catalog/names.js';

export async function forgetJob(head: MongoClient, jobId: string, catalogDb = 'headwater'): Promise<void> {
  const catalog = head.db(catalogDb);
  for (const coll of Object.values(CatalogCollections)) {
    await catalog.collection(coll).deleteMany({ jobId });
  }
  // Missing-document records name their sync (`<jobId>/<n>`), and leases their owner (`job/<jobId>/...`).
  const escaped = jobId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await catalog.collection(CatalogCollections.missing).deleteMany({ sync: { $regex: `^${escaped}/` } });
  await catalog
    .collection(CatalogCollections.storeLeases)
    .deleteMany({ owner: { $regex: `^job/${escaped}/` } });
}
