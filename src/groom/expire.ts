/**
 * Applies a job's retention policy: deletes the manifests (then the catalog records) of snapshots the
 * policy does not keep, and the oplog slices that end before the slice floor (the point-in-time base, see
 * retention.ts). Slices that an unfinished initial sync may still apply are never deleted. Chunks are not
 * touched here: they may be shared, so only the store-wide mark and sweep (sweep.ts) deletes them.
 */
import type { Timestamp } from 'mongodb';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { CatalogCollections } from '../catalog/names.js';
import type { ExpireResult, RetentionPolicy } from '../contracts/snapshot.js';
import { tsToString } from '../lib/bson.js';
import type { BlobStore } from '../store/blob-store.js';
import { decideRetention } from './retention.js';

export async function expireSnapshots(o: {
  catalog: Catalog;
  jobId: string;
  policy: RetentionPolicy;
  now: number;
  storeOf: (id: string) => BlobStore;
  logger?: Logger;
  onProgress?: (p: { snapshotsDeleted: number; slicesDeleted: number }) => void;
}): Promise<ExpireResult> {
  const records = await o.catalog.snapshots.list(o.jobId);
  const decision = decideRetention(records.map((r) => ({ id: r._id, at: (r.ts.high >>> 0) * 1000 })), o.policy, o.now);
  const byId = new Map(records.map((r) => [r._id, r]));
  // Manifest first: a crash between the two leaves a record the next groom deletes again, never an unlisted manifest.
  for (const id of decision.drop) {
    const rec = byId.get(id)!;
    await o.storeOf(rec.store).delete(rec.manifestKey);
    await o.catalog.snapshots.delete(id);
    o.onProgress?.({ snapshotsDeleted: decision.drop.indexOf(id) + 1, slicesDeleted: 0 });
  }
  const floorRecord = decision.sliceFloor === undefined ? undefined : byId.get(decision.sliceFloor);
  const floor = floorRecord === undefined ? undefined : await clampToUnfinishedSyncs(o.catalog, o.jobId, floorRecord.ts);
  const slicesDeleted = floor === undefined ? 0 : await deleteSlicesBefore(o, floor);
  o.logger?.info({ jobId: o.jobId, kept: decision.keep.size, deleted: decision.drop.length, slicesDeleted }, 'retention applied');
  return {
    kept: [...decision.keep].map(([snapshotId, reasons]) => ({ snapshotId, reasons })),
    deleted: decision.drop,
    sliceFloor: floor === undefined ? undefined : tsToString(floor),
    slicesDeleted,
    stores: [...new Set(records.map((r) => r.store))].sort(),
  };
}

/** An initial sync not yet consistent applies slices from its T0: the floor never passes it. */
async function clampToUnfinishedSyncs(catalog: Catalog, jobId: string, floor: Timestamp): Promise<Timestamp> {
  const open = await catalog.db
    .collection(CatalogCollections.syncs)
    .find({ jobId, consistentAt: null }, { projection: { t0: 1 } })
    .toArray();
  let min = floor;
  for (const s of open) if (s.t0 !== undefined && (s.t0 as Timestamp).lt(min)) min = s.t0 as Timestamp;
  return min;
}

/** Deletes oplog slices whose last entry is before `floor`: the object first, then its record. */
async function deleteSlicesBefore(
  o: { catalog: Catalog; jobId: string; storeOf: (id: string) => BlobStore; onProgress?: (p: { snapshotsDeleted: number; slicesDeleted: number }) => void },
  floor: Timestamp,
): Promise<number> {
  const records = o.catalog.db.collection(CatalogCollections.slices);
  let deleted = 0;
  for (const slice of await o.catalog.slices.oplog(o.jobId)) {
    if (slice.lastTs === undefined || !slice.lastTs.lt(floor)) continue;
    await o.storeOf(slice.store).delete(slice._id);
    // SliceCatalog has no delete yet; this is the one place slice records are removed.
    await records.deleteOne({ _id: slice._id as never });
    deleted += 1;
    if (deleted % 100 === 0) o.onProgress?.({ snapshotsDeleted: 0, slicesDeleted: deleted });
  }
  return deleted;
}
