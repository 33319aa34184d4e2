/**
 * `job/<jobId>/window/<requestId>`: `headwater restore window`, computed by a worker from the catalog (the
 * CLI holds no catalog connection) with the same code a restore checks its time against.
 */
import type { JobRef } from '../contracts/job.js';
import type { WindowSummary } from '../restore/restore-window.js';
import { quick } from './activity-options.js';

export async function restoreWindowLookup(job: JobRef): Promise<WindowSummary> {
  return quick.jobRestoreWindow(job);
}
