/**
 * Per-job figures for the metrics endpoint, read from the catalog in two aggregations (slices, snapshots):
 * what the stores hold is what the catalog lists, whichever worker wrote it.
 */
import type { Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import { CatalogCollections } from '../catalog/names.js';

export interface JobFigures {
  jobId: string;
  /** Slice counts by kind: 'oplog', or 'sync' for the collection slices of initial syncs. */
  slices: Record<string, number>;
  sliceBytes: number;
  snapshots: number;
  chunks: number;
  snapshotBytes: number;
  /** Unix seconds of the newest captured oplog entry. */
  capturedThrough?: number;
}

export interface CatalogFigures {
  jobs: JobFigures[];
}

type Group<K> = { _id: K; v: number };

/**
 * One sum per aggregation: FerretDB 1.24 computes only the first accumulator of a `$group` (the others
 * come back 0), so several sums in one stage would read as zeros on the stand-in.
 */
function sumBy<K>(catalog: Catalog, coll: string, _id: unknown, of: unknown): Promise<Array<Group<K>>> {
  return catalog.db.collection(coll).aggregate<Group<K>>([{ $group: { _id, v: { $sum: of } } }]).toArray();
}

export async function catalogFigures(catalog: Catalog): Promise<CatalogFigures> {
  type SliceKey = { jobId: string; stream: string };
  const sliceKey = { jobId: '$jobId', stream: '$stream' };
  const { slices: sl, snapshots: sn } = CatalogCollections;
  const [sliceCounts, sliceBytes, snapshotCounts, chunks, snapshotBytes] = await Promise.all([
    sumBy<SliceKey>(catalog, sl, sliceKey, 1),
    sumBy<SliceKey>(catalog, sl, sliceKey, '$storedBytes'),
    sumBy<string>(catalog, sn, '$jobId', 1),
    sumBy<string>(catalog, sn, '$jobId', '$newChunks'),
    sumBy<string>(catalog, sn, '$jobId', '$newStoredBytes'),
  ]);
  const jobs = new Map<string, JobFigures>();
  const job = (jobId: string) => {
    let j = jobs.get(jobId);
    if (j === undefined) {
      j = { jobId, slices: {}, sliceBytes: 0, snapshots: 0, chunks: 0, snapshotBytes: 0 };
      jobs.set(jobId, j);
    }
    return j;
  };
  const kind = (stream: string) => (stream === 'oplog' ? 'oplog' : 'sync');
  for (const s of sliceCounts) {
    const j = job(s._id.jobId);
    j.slices[kind(s._id.stream)] = (j.slices[kind(s._id.stream)] ?? 0) + s.v;
  }
  for (const s of sliceBytes) job(s._id.jobId).sliceBytes += s.v;
  for (const s of snapshotCounts) job(s._id).snapshots = s.v;
  for (const s of chunks) job(s._id).chunks = s.v;
  for (const s of snapshotBytes) job(s._id).snapshotBytes = s.v;
  // The newest oplog slice of each job by its first entry (the catalog's index order); FerretDB has no
  // $max or $first accumulator to do this inside the aggregation.
  const oplogJobs = sliceCounts.filter((s) => s._id.stream === 'oplog').map((s) => s._id.jobId);
  await Promise.all(
    oplogJobs.map(async (jobId) => {
      const newest = await catalog.db
        .collection<{ lastTs?: Timestamp }>(CatalogCollections.slices)
        .findOne({ jobId, stream: 'oplog' }, { sort: { firstTs: -1 }, projection: { lastTs: 1 } });
      if (newest?.lastTs) job(jobId).capturedThrough = newest.lastTs.high;
    }),
  );
  return { jobs: [...jobs.values()].sort((a, b) => a.jobId.localeCompare(b.jobId)) };
}
