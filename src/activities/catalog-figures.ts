/**
 * Per-job figures for the metrics endpoint, read from the catalog in two aggregations (slices, snapshots):
 * what the stores hold is what the catalog lists, whichever worker wrote it.
 */
import type { Catalog } from '../catalog/catalog.js';

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

export async function catalogFigures(catalog: Catalog): Promise<CatalogFigures> {
  // One sum per aggregation: FerretDB 1.24 computes only the first accumulator of a `$group` (the others
  // come back 0), so several sums in one stage would read as zeros on the stand-in.
  const [sliceCounts, sliceBytes, snapshotCounts, chunks, snapshotBytes] = await Promise.all([
    catalog.slices.sumByStream(1),
    catalog.slices.sumByStream('$storedBytes'),
    catalog.snapshots.sumByJob(1),
    catalog.snapshots.sumByJob('$newChunks'),
    catalog.snapshots.sumByJob('$newStoredBytes'),
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
      const end = await catalog.slices.newestOplogEnd(jobId);
      if (end) job(jobId).capturedThrough = end.high;
    }),
  );
  return { jobs: [...jobs.values()].sort((a, b) => a.jobId.localeCompare(b.jobId)) };
}
