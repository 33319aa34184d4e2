/**
 * Applies a job's retention policy: deletes the manifests (then the catalog records) of snapshots the
 * policy does not keep, and the oplog slices that end before the slice floor (the point-in-time base, see
 * retention.ts). Slices that an unfinished initial sync may still apply are never deleted, and neither is
 * the snapshot nor any slice after it that a live restore lease names (src/catalog/restore-leases.ts).
 * Chunks are not touched here: they may be shared, so only the store-wide mark and sweep (sweep.ts) deletes
 * them, and it keeps every chunk a listed manifest names, so a leased snapshot keeps its chunks too.
 */
import type { Timestamp } from 'mongodb';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
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
  // Leases are read before anything is deleted: a restore that leases later plans after this groom's deletes.
  const leases = await o.catalog.restoreLeases.live(o.jobId);
  const leased = new Set(leases.map((l) => l.snapshotId));
  const drop = decision.drop.filter((id) => !leased.has(id));
  // Manifest first: a crash between the two leaves a record the next groom deletes again, never an unlisted manifest.
  for (const id of drop) {
    const rec = byId.get(id)!;
    await o.storeOf(rec.store).delete(rec.manifestKey);
    await o.catalog.snapshots.delete(id);
    o.onProgress?.({ snapshotsDeleted: drop.indexOf(id) + 1, slicesDeleted: 0 });
  }
  const floorRecord = decision.sliceFloor === undefined ? undefined : byId.get(decision.sliceFloor);
  const floor =
    floorRecord === undefined
      ? undefined
      : earliest(floorRecord.ts, [...(await o.catalog.syncs.unfinishedStarts(o.jobId)), ...leases.map((l) => l.fromTs)]);
  const slicesDeleted = floor === undefined ? 0 : await deleteSlicesBefore(o, floor);
  o.logger?.info({ jobId: o.jobId, kept: decision.keep.size, deleted: drop.length, slicesDeleted }, 'retention applied');
  return {
    kept: [...decision.keep].map(([snapshotId, reasons]) => ({ snapshotId, reasons })),
    deleted: drop,
    sliceFloor: floor === undefined ? undefined : tsToString(floor),
    slicesDeleted,
    stores: [...new Set(records.map((r) => r.store))].sort(),
  };
}

/**
 * The floor never passes the T0 of an initial sync not yet consistent (it applies slices from there), nor
 * the position a live restore reads slices from.
 */
function earliest(floor: Timestamp, starts: Timestamp[]): Timestamp {
  let min = floor;
  for (const t of starts) if (t.lt(min)) min = t;
  return min;
}

/** Deletes oplog slices whose last entry is before `floor`: the object first, then its record. */
async function deleteSlicesBefore(
  o: { catalog: Catalog; jobId: string; storeOf: (id: string) => BlobStore; onProgress?: (p: { snapshotsDeleted: number; slicesDeleted: number }) => void },
  floor: Timestamp,
): Promise<number> {
  const doomed = (await o.catalog.slices.oplog(o.jobId)).filter((s) => s.lastTs !== undefined && s.lastTs.lt(floor));
  // Each sync's chain loses a prefix: where it now begins is recorded before anything is deleted, so that
  // the coverage check (from T0 otherwise) does not take the groomed prefix for a hole, even after a crash.
  const through = new Map<number, Timestamp>();
  for (const s of doomed) {
    const t = through.get(s.syncNumber ?? 0);
    if (s.syncNumber !== undefined && (t === undefined || s.lastTs!.gt(t))) through.set(s.syncNumber, s.lastTs!);
  }
  for (const [n, ts] of through) await o.catalog.syncs.markGroomedThrough(o.jobId, n, ts);
  let deleted = 0;
  for (const slice of doomed) {
    await o.storeOf(slice.store).delete(slice._id);
    await o.catalog.slices.delete(slice._id);
    deleted += 1;
    if (deleted % 100 === 0) o.onProgress?.({ snapshotsDeleted: 0, slicesDeleted: deleted });
  }
  return deleted;
}
