/**
 * Workflow ids, task queue and search attribute names: stable and readable, built in one place.
 * Pure, sandbox-safe.
 */
export const TASK_QUEUE = 'headwater';

export const workflowIds = {
  job: (jobId: string) => `job/${jobId}`,
  /** Asks a worker whether a new job's connections, stores and key exist, before the job is created. */
  jobCheck: (jobId: string) => `job/${jobId}/check`,
  /** One `job check`, run where the catalog and stores are (`requestId` tells checks apart). */
  jobVerify: (jobId: string, requestId: string) => `job/${jobId}/verify/${requestId}`,
  /** One `restore window` lookup, run where the catalog is. */
  restoreWindow: (jobId: string, requestId: string) => `job/${jobId}/window/${requestId}`,
  /** One `snapshot list`, `snapshot verify` or `restore export`, run where the catalog and stores are. */
  snapshotList: (jobId: string, requestId: string) => `job/${jobId}/snapshots/${requestId}`,
  snapshotVerify: (jobId: string, requestId: string) => `job/${jobId}/snapshot-verify/${requestId}`,
  snapshotExport: (jobId: string, requestId: string) => `job/${jobId}/export/${requestId}`,
  /** One refresh of `headwater status`: every listed job's window and store usage, from the catalog. */
  statusFigures: (requestId: string) => `status/${requestId}`,
  /** `catalog rebuild` of one store: one at a time per store (a second is refused while one runs). */
  catalogRebuild: (storeId: string) => `catalog/rebuild/${storeId}`,
  initialSync: (jobId: string, n: number) => `job/${jobId}/initial-sync/${n}`,
  tail: (jobId: string) => `job/${jobId}/tail`,
  snapshot: (jobId: string, ts: string) => `job/${jobId}/snapshot/${ts}`,
  restore: (restoreId: string) => `restore/${restoreId}`,
  groom: (jobId: string) => `job/${jobId}/groom`,
  /** The snapshot a job's Schedule starts: it checks the job is Active, then runs `snapshot` as its child. */
  scheduledSnapshot: (jobId: string) => `job/${jobId}/scheduled-snapshot`,
};

/** Temporal Schedule ids; a run a Schedule starts gets the workflow id plus its start time. */
export const scheduleIds = {
  groom: (jobId: string) => `job/${jobId}/groom`,
  snapshot: (jobId: string) => `job/${jobId}/snapshot`,
};
