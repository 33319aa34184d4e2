/**
 * Applies a job's retention policy: deletes the manifests (then the catalog records) of snapshots the
 * policy does not keep, and the oplog slices nothing needs any more, chain by chain (slice-floors.ts): each
 * initial sync's chain is kept for the window's restores from that chain's retained snapshots, for a live
 * restore lease (src/catalog/restore-leases.ts), and for its own head until a later sync replaces it.
 * A leased snapshot is never deleted: groom marks what it drops (and the retained snapshots whose next
 * slices it deletes) before it reads the leases, and a restore leases before it checks the marks
 * (src/restore/restore-lease.ts). Chunks are not touched here: they may be shared, so only the store-wide
 * mark and sweep (sweep.ts) deletes them, and it keeps every chunk a listed manifest names, so a leased
 * snapshot keeps its chunks too.
 */
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { RestoreLease } from '../catalog/restore-leases.js';
import type { SnapshotRecord } from '../catalog/snapshots.js';
import type { ExpireResult, RetentionPolicy } from '../contracts/snapshot.js';
import { tsToString } from '../lib/bson.js';
import type { BlobStore } from '../store/blob-store.js';
import { deleteGroomedSlices } from './groom-slices.js';
import { decideRetention } from './retention.js';
import { lowerFloors, lowestFloor, sliceFloors, type Floors } from './slice-floors.js';

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
  // Syncs are read before anything is deleted: a sync that starts later captures only slices after its own T0.
  const syncs = await o.catalog.syncs.chains(o.jobId);
  const slices = await o.catalog.slices.oplog(o.jobId);
  const floorsFor = (drop: string[], leases: RestoreLease[]) =>
    sliceFloors({
      syncs,
      snapshots: records.filter((r) => !drop.includes(r._id)),
      windowBase: decision.sliceFloor === undefined ? undefined : byId.get(decision.sliceFloor)!.ts,
      leases: leases.map((l) => ({ fromTs: l.fromTs, syncNumber: byId.get(l.snapshotId)?.syncNumber })),
      chains: [...records, ...syncs, ...slices].flatMap((x) => (x.syncNumber === undefined ? [] : [x.syncNumber])),
    });
  // Retained snapshots whose following slices the floors delete: they restore as themselves only.
  const cutBy = (floors: Floors, drop: string[]) => records.filter((r) => !drop.includes(r._id) && cutsAfter(floors, r)).map((r) => r._id);
  // Mark, then read the leases (src/catalog/snapshots.ts): a restore writes its lease and then reads the
  // record (holdRestore), so either this read sees its lease and the snapshot is kept, or the restore sees
  // the mark and refuses. Reading the leases first would let a restore lease and check between the two.
  // The same for the slices: a retained snapshot whose next slices the floors without any lease would
  // delete is marked oplogCut first, so a restore that leases after the read below and would replay from it
  // refuses. The floors used never go past these (`lowerFloors`): a lease seen keeps its slices through them.
  const unleased = floorsFor(decision.drop, []);
  const premarked = cutBy(unleased, decision.drop);
  await o.catalog.snapshots.markExpiring(decision.drop, 'groom');
  await o.catalog.snapshots.unmarkExpiring(records.filter((r) => r.expiring === 'groom' && decision.keep.has(r._id)).map((r) => r._id), 'groom');
  await o.catalog.snapshots.markOplogCut(premarked, true);
  const leases = await o.catalog.restoreLeases.live(o.jobId);
  const leased = new Set(leases.map((l) => l.snapshotId));
  await o.catalog.snapshots.unmarkExpiring(decision.drop.filter((id) => leased.has(id)), 'groom');
  const drop = decision.drop.filter((id) => !leased.has(id));
  const floors = lowerFloors(floorsFor(drop, leases), unleased);
  // Lifted where the floors keep the slices after all (a lease); kept where they go, so that no restore plans
  // a replay from the snapshot while the window still shows the slices (before they are deleted below).
  const cut = new Set(cutBy(floors, drop));
  const lift = [...new Set([...premarked, ...records.filter((r) => r.oplogCut === true).map((r) => r._id)])].filter((id) => !cut.has(id));
  await o.catalog.snapshots.markOplogCut(lift, false);
  // Manifest first: a crash between the two leaves a record the next groom deletes again, never an unlisted manifest.
  for (const id of drop) {
    const rec = byId.get(id)!;
    await o.storeOf(rec.store).delete(rec.manifestKey);
    await o.catalog.snapshots.delete(id);
    o.onProgress?.({ snapshotsDeleted: drop.indexOf(id) + 1, slicesDeleted: 0 });
  }
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

/**
 * Whether the floors may delete slices a replay from `r` reads: its chain's floor lies past its ts (a slice
 * ending between the two goes), or the chain goes whole. The job-wide chain's floor is never above a chain's.
 */
function cutsAfter(floors: Floors, r: SnapshotRecord): boolean {
  const floor = floors.chains.get(r.syncNumber);
  return floor !== undefined && (floor === 'delete all' || (typeof floor === 'object' && floor.before.gt(r.ts)));
}
