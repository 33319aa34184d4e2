// A sync's oplog coverage from the catalog: its own chain of slices since its T0 (or since where groom
// deleted through), checked as a chain.
import { checkCoverage, type CoverageReport } from '../oplog/coverage.js';
import type { Catalog } from './catalog.js';

export async function checkJobCoverage(
  catalog: Catalog,
  jobId: string,
  syncNumber: number,
): Promise<CoverageReport> {
  const sync = await catalog.syncs.get(jobId, syncNumber);
  // After a groom the chain begins where it deleted through: the first kept slice must link there exactly.
  const start = sync.groomedThrough !== undefined && sync.groomedThrough.gt(sync.t0) ? sync.groomedThrough : sync.t0;
  return checkCoverage(start, await catalog.slices.oplogAfter({ jobId, syncNumber }, start));
}
