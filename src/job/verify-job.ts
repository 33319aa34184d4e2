/**
 * What `headwater job check` reports, computed where the catalog and stores are (a worker): whether the
 * chain of oplog slices of one sync is continuous from its start, and with `deep` whether every slice,
 * manifest and snapshot chunk of the job still reads back intact.
 */
import type { Catalog } from '../catalog/catalog.js';
import { checkJobCoverage } from '../catalog/check-coverage.js';
import { NotFound } from '../errors/domain-errors.js';
import type { CoverageReport } from '../oplog/coverage.js';
import { verifyJobObjects, type ObjectsProgress, type ObjectsReport } from '../oplog/verify-slices.js';
import type { BlobStore } from '../store/blob-store.js';

export interface JobVerifyResult {
  syncNumber: number;
  coverage: CoverageReport;
  objects?: ObjectsReport;
}

/** The sync a check reads when none is named: the job's current one, else its newest, else the first. */
export async function currentSyncNumber(catalog: Catalog, jobId: string): Promise<number> {
  const job = await catalog.jobs.find(jobId);
  if (job !== undefined && job.syncNumber >= 1) return job.syncNumber;
  return (await catalog.syncs.newest(jobId))?.syncNumber ?? 1;
}

export async function jobCoverage(catalog: Catalog, jobId: string, syncNumber?: number): Promise<Omit<JobVerifyResult, 'objects'>> {
  const n = syncNumber ?? (await currentSyncNumber(catalog, jobId));
  if ((await catalog.syncs.find(jobId, n)) === undefined)
    throw new NotFound(`job '${jobId}' has no initial sync ${n} in the catalog: nothing to check`);
  return { syncNumber: n, coverage: await checkJobCoverage(catalog, jobId, n) };
}

export function jobObjects(o: {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  jobId: string;
  signal?: AbortSignal;
  onProgress?: (p: ObjectsProgress) => void;
}): Promise<ObjectsReport> {
  return verifyJobObjects(o);
}
