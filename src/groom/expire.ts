/**
 * Applies a job's retention policy: deletes the manifests (then the catalog records) of snapshots the
 * policy does not keep, and the oplog slices nothing needs any more, chain by chain (slice-floors.ts): each
 * initial sync's chain is kept for the window's restores from that chain's retained snapshots, for a live
 * restore lease (src/catalog/restore-leases.ts), and for its own head until a later sync replaces it.
 * A leased snapshot is never deleted: groom marks what it drops before it reads the leases, and a restore
 * leases before it checks the mark (src/restore/restore-lease.ts). Chunks are not touched here: they may be shared, so only the
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
  // Every record, marked ones too: a snapshot a crashed groom marked is judged again, deleted if still
  // dropped, unmarked if retention keeps it now (a longer policy): a mark is never left without a groom to act on it.
  const records = await o.catalog.snapshots.listAll(o.jobId);
  const decision = decideRetention(records.map((r) => ({ id: r._id, at: (r.ts.high >>> 0) * 1000 })), o.policy, o.now);
  const byId = new Map(records.map((r) => [r._id, r]));
  // Mark, then read the leases (src/catalog/snapshots.ts): a restore writes its lease and then reads the
  // record (holdRestore), so either this read sees its lease and the snapshot is kept, or the restore sees
  // the mark and refuses. Reading the leases first would let a restore lease and check between the two.
  await o.catalog.snapshots.markExpiring(decision.drop, 'groom');
  await o.catalog.snapshots.unmarkExpiring(records.filter((r) => r.expiring === 'groom' && decision.keep.has(r._id)).map((r) => r._id), 'groom');
  // Syncs are read before anything is deleted too: a sync that starts later captures only slices after its own T0.
  const leases = await o.catalog.restoreLeases.live(o.jobId);
  const syncs = await o.catalog.syncs.chains(o.jobId);
  const slices = await o.catalog.slices.oplog(o.jobId);
  const leased = new Set(leases.map((l) => l.snapshotId));
  await o.catalog.snapshots.unmarkExpiring(decision.drop.filter((id) => leased.has(id)), 'groom');
  const drop = decision.drop.filter((id) => !leased.has(id));
  // Manifest first: a crash between the two leaves a record the next groom deletes again, never an unlisted manifest.
  for (const id of drop) {
    const rec = byId.get(id)!;
    await o.storeOf(rec.store).delete(rec.manifestKey);
    await o.catalog.snapshots.delete(id);
    o.onProgress?.({ snapshotsDeleted: drop.indexOf(id) + 1, slicesDeleted: 0 });
  }
  // A restore that leased after the lease read above holds no lease here. Its snapshot is not in `drop`
  // (it would have seen the mark and refused), so it is retained and counted below: the floors keep each
  // chain from its oldest retained snapshot in the window, so a restore based on a window snapshot keeps
  // its slices. Not covered: a retained snapshot older than the window's base (a daily kept past the
  // point-in-time window) whose slices this groom cuts, restored to a time before the base by a restore
  // that planned while those slices were still listed; it fails when it reads the deleted slice.
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
