/**
 * What `terminate` deletes (Ops Manager: "Terminate deletes all retained backups"): every snapshot of the
 * job (manifest first, then its record, as groom does), every slice (object, then record), the sync plans
 * and missing-document records, and the head databases. Chunks may be shared with other jobs, so they are
 * left to the store's mark and sweep. Idempotent: a retried call finds less to delete.
 */
import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { BlobStore } from '../store/blob-store.js';
import { dropHeadDatabases } from './head-databases.js';

export interface RemovedJobData {
  snapshots: number;
  slices: number;
  headDatabases: string[];
  syncs: number;
}

export async function removeJobData(o: {
  catalog: Catalog;
  head: MongoClient;
  jobId: string;
  storeOf: (id: string) => BlobStore;
  logger?: Logger;
  onProgress?: (p: { snapshots: number; slices: number }) => void;
}): Promise<RemovedJobData> {
  // 1. snapshots: the manifest, then the record (a crash between leaves a record a retry deletes again).
  const snapshots = await o.catalog.snapshots.list(o.jobId);
  for (const s of snapshots) {
    await o.storeOf(s.store).delete(s.manifestKey);
    await o.catalog.snapshots.delete(s._id);
  }
  // 2. slices of every stream (oplog and each sync's collection slices).
  const slices = await o.catalog.slices.keysOfJob(o.jobId);
  for (const [i, s] of slices.entries()) {
    await o.storeOf(s.store).delete(s._id);
    await o.catalog.slices.delete(s._id);
    if (i % 100 === 99) o.onProgress?.({ snapshots: snapshots.length, slices: i + 1 });
  }
  // 3. the sync plans and their missing-document records.
  const syncs = await o.catalog.syncs.deleteJob(o.jobId);
  // 4. the head databases of every sync.
  const headDatabases = await dropHeadDatabases(o.head, o.jobId);
  const out = { snapshots: snapshots.length, slices: slices.length, headDatabases, syncs };
  o.logger?.info({ jobId: o.jobId, ...out }, 'job data removed');
  return out;
}
