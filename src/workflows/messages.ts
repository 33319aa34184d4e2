// Every signal, update and query of the workflows, with typed arguments and results.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { FollowStatus } from '../contracts/follow.js';
import type { SyncProgress } from '../contracts/initial-sync.js';
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
