// Every signal, update and query of the workflows, with typed arguments and results.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JobCommand, JobCommandRequest, JobView, SnapshotTaken, UpdateJobRequest } from '../contracts/job.js';
import type { FollowStatus } from '../contracts/follow.js';
import type { SyncProgress } from '../contracts/initial-sync.js';
import type { RestoreStatus } from '../contracts/restore.js';
import type { PauseApplyReply, PauseApplyRequest, ResumeApplyRequest, ResumeApplyResult, SnapshotStatus } from '../contracts/snapshot.js';

/** The phase of an initial sync and its progress: documents, bytes, slices, per collection. */
export const syncProgressQuery = defineQuery<SyncProgress>('progress');

/** Capture and apply positions, lag and oplog headroom of a following job. */
export const followStatusQuery = defineQuery<FollowStatus>('status');

/** Asks a following job to pause apply at a slice boundary (after its current apply); replies where the head is. */
export const pauseApplyUpdate = defineUpdate<PauseApplyReply, [PauseApplyRequest]>('pauseApply');

/** Ends the pause taken by `by`; `held` is false if the pause had already lapsed (apply ran meanwhile). */
export const resumeApplyUpdate = defineUpdate<ResumeApplyResult, [ResumeApplyRequest]>('resumeApply');

/** Phase and timestamp of a snapshot being taken. */
export const snapshotStatusQuery = defineQuery<SnapshotStatus>('snapshotStatus');

/** Phase of a restore, its plan, per-collection progress, verification and the replay's last op. */
export const restoreStatusQuery = defineQuery<RestoreStatus>('restoreStatus');

/** The backup job's own view: state, condition, phase, sync number, last snapshot, counters, definition. */
export const jobStatusQuery = defineQuery<JobView>('jobStatus');

/** The job's commands: each an update whose validator refuses an illegal transition before anything is written. */
export const jobCommandUpdates = {
  start: defineUpdate<JobView, [JobCommandRequest]>('startJob'),
  stop: defineUpdate<JobView, [JobCommandRequest]>('stopJob'),
  restart: defineUpdate<JobView, [JobCommandRequest]>('restartJob'),
  terminate: defineUpdate<JobView, [JobCommandRequest]>('terminateJob'),
  resync: defineUpdate<JobView, [JobCommandRequest]>('resyncJob'),
} satisfies Record<JobCommand, unknown>;

/** Changes the job's schedule, retention, window, resync policy or headroom threshold, in any state. */
export const updateJobUpdate = defineUpdate<JobView, [UpdateJobRequest]>('updateJob');

/** A scheduled snapshot of the job was committed (sent by the scheduled-snapshot workflow). */
export const snapshotTakenSignal = defineSignal<[SnapshotTaken]>('snapshotTaken');
