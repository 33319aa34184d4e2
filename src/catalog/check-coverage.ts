// A sync's oplog coverage from the catalog: its own chain of slices since its T0, checked as a chain.
import { checkCoverage, type CoverageReport } from '../oplog/coverage.js';
import type { Catalog } from './catalog.js';

export async function checkJobCoverage(
  catalog: Catalog,
  jobId: string,
  syncNumber: number,
): Promise<CoverageReport> {
  const sync = await catalog.syncs.get(jobId, syncNumber);
  return checkCoverage(sync.t0, await catalog.slices.oplogAfter({ jobId, syncNumber }, sync.t0));
}
