/**
 * The job's point-in-time window for its status: the restore's own computation (restore-window.ts), so
 * the status and `restore window` never disagree. A job with no snapshot yet has an empty window.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { JobWindow } from '../contracts/job.js';
import { NotFound } from '../errors/domain-errors.js';
import { tsToString } from '../lib/bson.js';
import { restoreWindow, windowSummary } from '../restore/restore-window.js';

export async function jobWindow(catalog: Catalog, jobId: string, now = new Date()): Promise<JobWindow> {
  const checkedAt = now.toISOString();
  let window;
  try {
    window = await restoreWindow(catalog, jobId);
  } catch (err) {
    if (err instanceof NotFound) return { ranges: [], snapshots: 0, checkedAt };
    throw err;
  }
  const last = window.snapshots.at(-1);
  const { ranges, snapshots } = windowSummary(window);
  return { ranges, snapshots, lastSnapshot: last && { snapshotId: last._id, ts: tsToString(last.ts) }, checkedAt };
}
