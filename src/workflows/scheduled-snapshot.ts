/**
 * What a job's snapshot Schedule starts (`job/<jobId>/scheduled-snapshot`): asks the catalog whether the
 * job is Active and following, and if so runs the existing `snapshot` workflow as its child with the job's
 * current sync, head, store and key; then tells the job. A trigger while the job is not Active is recorded
 * as an event and skipped (it returns, it does not fail), so a Schedule never becomes an error storm.
 */
import { executeChild, getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { JobRef, type ScheduledSnapshotResult } from '../contracts/job.js';
import { quick } from './activity-options.js';
import { workflowIds } from './ids.js';
import { snapshotTakenSignal } from './messages.js';
import { snapshot } from './snapshot.js';

export async function scheduledSnapshot(input: JobRef): Promise<ScheduledSnapshotResult> {
  const { jobId } = JobRef.parse(input);
  // Workflow time is deterministic: the run's start names the snapshot workflow.
  const requestedAt = `${Math.floor(workflowInfo().startTime.getTime() / 1000)}.0`;
  const gate = await quick.snapshotGate({ jobId, requestedAt });
  if (!gate.run) return { skipped: gate.reason };
  const r = await executeChild(snapshot, {
    workflowId: workflowIds.snapshot(jobId, requestedAt),
    args: [gate.input],
  });
  // The snapshot is committed whatever happens here: a job that is gone only misses the news.
  await getExternalWorkflowHandle(workflowIds.job(jobId))
    .signal(snapshotTakenSignal, { snapshotId: r.snapshotId, ts: r.ts })
    .catch((err: unknown) => log.warn('could not tell the job about its snapshot', { jobId, error: String(err) }));
  return { snapshotId: r.snapshotId, ts: r.ts };
}
