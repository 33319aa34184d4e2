/**
 * Applies a job's retention policy: deletes the manifests (then the catalog records) of snapshots the
 * policy does not keep, and the oplog slices nothing needs any more, chain by chain (slice-floors.ts): each
 * initial sync's chain is kept for the window's restores from that chain's retained snapshots, for a live
 * restore lease (src/catalog/restore-leases.ts), and for its own head until a later sync replaces it.
 * A leased snapshot is never deleted. Chunks are not touched here: they may be shared, so only the
 * store-wide mark and sweep (sweep.ts) deletes them, and it keeps every chunk a listed manifest names, so a
 * leased snapshot keeps its chunks too.
 */
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { ExpireResult, RetentionPolicy } from '../contracts/snapshot.js';
import { tsToString } from '../lib/bson.js';
import type { BlobStore } from '../store/blob-store.js';
import { deleteGroomedSlices } from './groom-slices.js';
import { decideRetention } from './retention.js';
import { lowestFloor, sliceFloors } from './slice-floors.js';

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
  // Leases and syncs are read before anything is deleted: a restore that leases later plans after this
  // groom's deletes, and a sync that starts later captures only slices after its own T0.
  const leases = await o.catalog.restoreLeases.live(o.jobId);
  const syncs = await o.catalog.syncs.chains(o.jobId);
  const slices = await o.catalog.slices.oplog(o.jobId);
  const leased = new Set(leases.map((l) => l.snapshotId));
  const drop = decision.drop.filter((id) => !leased.has(id));
  // Manifest first: a crash between the two leaves a record the next groom deletes again, never an unlisted manifest.
  for (const id of drop) {
    const rec = byId.get(id)!;
    await o.storeOf(rec.store).delete(rec.manifestKey);
    await o.catalog.snapshots.delete(id);
    o.onProgress?.({ snapshotsDeleted: drop.indexOf(id) + 1, slicesDeleted: 0 });
  }
  const floors = sliceFloors({
    syncs,
    snapshots: records.filter((r) => !drop.includes(r._id)),
    windowBase: decision.sliceFloor === undefined ? undefined : byId.get(decision.sliceFloor)!.ts,
    leases: leases.map((l) => ({ fromTs: l.fromTs, syncNumber: byId.get(l.snapshotId)?.syncNumber })),
    chains: [...records, ...syncs, ...slices].flatMap((x) => (x.syncNumber === undefined ? [] : [x.syncNumber])),
  });
  const slicesDeleted = await deleteGroomedSlices({ ...o, slices, floors, syncNumbers: syncs.map((s) => s.syncNumber) });
  const lowest = lowestFloor(floors);
  o.logger?.info({ jobId: o.jobId, kept: decision.keep.size, deleted: drop.length, slicesDeleted }, 'retention applied');
  return {
    kept: [...decision.keep].map(([snapshotId, reasons]) => ({ snapshotId, reasons })),
    deleted: drop,
    sliceFloor: lowest === undefined ? undefined : tsToString(lowest),
    slicesDeleted,
    stores: [...new Set(records.map((r) => r.store))].sort(),
  };
}
