/**
 * Deletes the oplog slices below each chain's floor (slice-floors.ts): the object first, then its record.
 * Before anything is deleted, each sync records where its chain now begins (`groomedThrough`), so that the
 * coverage check (src/catalog/check-coverage.ts, from T0 otherwise) does not take the groomed prefix, or
 * a chain deleted whole, for a hole, even after a crash part-way.
 */
import type { Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import type { BlobStore } from '../store/blob-store.js';
import { deletes, type Floors } from './slice-floors.js';

export async function deleteGroomedSlices(o: {
  catalog: Catalog;
  jobId: string;
  storeOf: (id: string) => BlobStore;
  /** Every oplog slice of the job, read before the floors were decided. */
  slices: SliceRecord[];
  floors: Floors;
  /** The job's syncs: slices without a sync number are part of each one's chain. */
  syncNumbers: number[];
  onProgress?: (p: { snapshotsDeleted: number; slicesDeleted: number }) => void;
}): Promise<number> {
  const doomed = o.slices.filter((s) => {
    const floor = s.syncNumber === undefined ? o.floors.jobWide : o.floors.chains.get(s.syncNumber);
    return s.lastTs !== undefined && floor !== undefined && deletes(floor, s.lastTs);
  });
  for (const [n, ts] of groomedThrough(doomed, o.syncNumbers)) await o.catalog.syncs.markGroomedThrough(o.jobId, n, ts);
  let deleted = 0;
  for (const slice of doomed) {
    await o.storeOf(slice.store).delete(slice._id);
    await o.catalog.slices.delete(slice._id);
    deleted += 1;
    if (deleted % 100 === 0) o.onProgress?.({ snapshotsDeleted: 0, slicesDeleted: deleted });
  }
  return deleted;
}

/** Per sync, the last entry of the last slice of its chain about to be deleted (job-wide slices count for every sync). */
function groomedThrough(doomed: SliceRecord[], syncNumbers: number[]): Map<number, Timestamp> {
  const through = new Map<number, Timestamp>();
  const raise = (n: number, ts: Timestamp) => {
    const t = through.get(n);
    if (t === undefined || ts.gt(t)) through.set(n, ts);
  };
  for (const s of doomed) {
    if (s.syncNumber !== undefined) raise(s.syncNumber, s.lastTs!);
    else for (const n of syncNumbers) raise(n, s.lastTs!);
  }
  return through;
}
