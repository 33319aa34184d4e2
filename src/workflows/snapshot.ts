/**
 * The snapshot workflow (`job/<jobId>/snapshot/<requestedAt>`): a snapshot of the job's head at a
 * consistent timestamp. Apply is paused at a slice boundary, the head is read into chunks, apply resumes,
 * and only then is the manifest committed, and only if apply really stayed paused throughout: a listed
 * snapshot is always complete and consistent; a failed one leaves nothing listed (its chunks are swept).
 *
 * How the pause is kept short: capture never pauses (the RPO is unchanged), only apply waits, and it
 * catches up afterwards. Apply stops between two apply activities, so the pause begins as soon as the
 * current one ends. Waiting for a running sweep happens before the pause, never inside it. While paused
 * the read runs at cursor speed: unchanged chunks cost a SHA-256 and a `has`, only new ones are
 * compressed, sealed and uploaded, several at once beside the read. Committing the manifest and the
 * catalog record happens after apply resumed. A pause the workflow forgets (it was terminated) ends by
 * itself after `maxPauseSeconds`; the snapshot then finds `held` false and is not committed.
 */
import { ApplicationFailure, CancellationScope, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { SnapshotInput, type HeadPosition, type SnapshotParams, type SnapshotResult, type SnapshotStatus, type StagedSnapshot } from '../contracts/snapshot.js';
import { long, quick } from './activity-options.js';
import { snapshotStatusQuery } from './messages.js';

/** Reads redone when apply moved the head during one (a lapsed pause, a follow that started). */
const READ_ATTEMPTS = 3;

export async function snapshot(input: SnapshotInput): Promise<SnapshotResult> {
  const p: SnapshotParams = SnapshotInput.parse(input);
  const owner = workflowInfo().workflowId;
  const status: SnapshotStatus = { phase: 'waiting for sweep', retries: 0 };
  setHandler(snapshotStatusQuery, () => status);
  const lease = { store: p.store, owner };

  // Bad ids or an unset key fail here, before the store is leased or apply paused.
  await quick.checkSnapshot({ jobId: p.jobId, syncNumber: p.syncNumber, head: p.head, store: p.store, encryption: p.encryption });
  // Register as a writer of the store before any chunk is checked: no sweep runs until the commit.
  await long.beginSnapshotWrite(lease);
  try {
    for (let attempt = 1; ; attempt += 1) {
      const { staged, held } = await readWhilePaused(p, owner, status);
      if (held || staged.alreadyTaken) {
        // The head stayed at `ts` throughout: the manifest may be listed.
        status.phase = 'committing';
        const result = await quick.commitSnapshot({ jobId: p.jobId, store: p.store, ts: staged.ts, owner });
        status.phase = 'complete';
        return { ...result, alreadyTaken: staged.alreadyTaken };
      }
      await quick.discardSnapshot({ jobId: p.jobId, store: p.store, ts: staged.ts });
      status.retries += 1;
      log.warn('apply moved the head while the snapshot read it; reading again', { ts: staged.ts, attempt });
      if (attempt >= READ_ATTEMPTS) {
        throw ApplicationFailure.nonRetryable(
          `snapshot of job '${p.jobId}' abandoned: apply did not stay paused during ${READ_ATTEMPTS} reads (raise maxPauseSeconds?)`,
          'SnapshotAbandoned',
        );
      }
    }
  } finally {
    await CancellationScope.nonCancellable(() => quick.endSnapshotWrite(lease));
  }
}

/** Pauses apply, reads the head into chunks and a staged manifest, and always resumes apply. */
async function readWhilePaused(p: SnapshotParams, owner: string, status: SnapshotStatus): Promise<{ staged: StagedSnapshot; held: boolean }> {
  status.phase = 'pausing apply';
  let at: HeadPosition;
  try {
    at = await long.pauseApply({ jobId: p.jobId, syncNumber: p.syncNumber, by: owner, maxSeconds: p.maxPauseSeconds });
  } catch (err) {
    // The follow may have paused before the failure reached us: release it rather than wait for the lease.
    await CancellationScope.nonCancellable(() => quick.resumeApply({ jobId: p.jobId, by: owner, following: true })).catch(() => undefined);
    throw err;
  }
  status.ts = at.ts;
  status.phase = 'reading';
  let staged: StagedSnapshot | undefined;
  let failure: unknown;
  try {
    staged = await long.readSnapshot({
      jobId: p.jobId, syncNumber: p.syncNumber, head: p.head, store: p.store, compression: p.compression,
      encryption: p.encryption, chunker: p.chunker, uploadConcurrency: p.uploadConcurrency, ts: at.ts, owner,
    });
  } catch (err) {
    failure = err;
  }
  // Resume even when the read failed or the workflow is being cancelled: apply must not stay paused.
  status.phase = 'resuming apply';
  const { held } = await CancellationScope.nonCancellable(() => quick.resumeApply({ jobId: p.jobId, by: owner, following: at.following }));
  if (staged === undefined) throw failure;
  return { staged, held };
}
