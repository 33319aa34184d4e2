/**
 * Follows a job's source after its initial sync: captures the oplog into slices and applies them to the
 * head, both loops side by side (oplog-loops.ts runs them). Lag and headroom are readable by query; a
 * rolled-over oplog ends the workflow with "backup requires a resync". Continues-as-new with its whole
 * state when Temporal suggests it, after handlers have finished.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { FollowInput, type FollowParams, type FollowStatus } from '../contracts/follow.js';
import { compareTsString } from '../contracts/initial-sync.js';
import { ApplyPause } from './apply-pause.js';
import { asJobChild } from './job-child.js';
import { followStatusQuery } from './messages.js';
import { applyUntil, startCapture } from './oplog-loops.js';

export async function follow(input: FollowInput): Promise<FollowStatus> {
  return asJobChild(() => followRun(input));
}

async function followRun(input: FollowInput): Promise<FollowStatus> {
  const p: FollowParams = FollowInput.parse(input);
  const status: FollowStatus = {
    capturedThrough: p.capturedThrough,
    appliedThrough: p.appliedThrough,
    captureLagSeconds: 0,
    applyLagSeconds: 0,
    headroomSeconds: null,
    warnings: [],
    counters: { ...p.counters },
  };
  setHandler(followStatusQuery, () => status);
  // Snapshots pause apply between two apply activities, at a slice boundary (apply-pause.ts, snapshot.ts).
  const pause = new ApplyPause(() => status.appliedThrough);
  const done = () => p.stopAfter !== undefined && compareTsString(status.appliedThrough, p.stopAfter) >= 0;
  const rollOver = () => workflowInfo().continueAsNewSuggested;
  const behind = () => compareTsString(status.capturedThrough, status.appliedThrough) > 0;

  const capture = startCapture({
    call: {
      jobId: p.jobId,
      syncNumber: p.syncNumber,
      source: p.source,
      sliceStore: p.sliceStore,
      maxSeconds: p.captureSeconds,
      returnAfterSeconds: p.captureReturnAfterSeconds,
      sliceMaxBytes: p.sliceMaxBytes,
      sliceMaxAgeMs: p.sliceMaxAgeMs,
      headroomWarnSeconds: p.headroomWarnSeconds,
    },
    after: () => status.capturedThrough,
    until: () =>
      rollOver() || (p.stopAfter !== undefined && compareTsString(status.capturedThrough, p.stopAfter) >= 0),
    onCaptured: (r, warning) => {
      status.capturedThrough = r.lastTs;
      status.counters.slices += r.slices;
      status.counters.entries += r.entries;
      status.captureLagSeconds = r.captureLagSeconds;
      status.headroomSeconds = r.headroomSeconds;
      if (warning !== undefined) status.warnings = [...status.warnings.slice(-9), warning];
    },
  });

  const apply = (async () => {
    for (;;) {
      // One bounded call (64 slices or applyCallSeconds) per step, so a snapshot's pause waits briefly.
      const end = await applyUntil({
        call: { jobId: p.jobId, syncNumber: p.syncNumber, head: p.head, maxSeconds: p.applyCallSeconds },
        from: () => status.appliedThrough,
        target: () => status.capturedThrough,
        stop: () => rollOver() || done(),
        step: (call) => pause.apply(call),
        onApplied: (r) => {
          status.appliedThrough = r.through;
          status.counters.applied += r.entries;
          status.applyLagSeconds = lagSeconds(status);
        },
      });
      if (end === 'stopped') return;
      if (end === 'stalled') await sleep(p.applyIntervalMs);
      // Nothing captured past the head: wait for the next capture call to bring something (or for the
      // run to end) instead of waking every interval, which on an idle source was most of the
      // workflow's history (two timer events and a workflow task a second, about 430,000 a day).
      // patched(): a follow started by an older worker replays its timers as they were.
      else if (patched('apply-waits-for-capture')) await condition(() => behind() || rollOver() || done());
      else await sleep(p.applyIntervalMs);
      status.applyLagSeconds = lagSeconds(status);
    }
  })();

  await Promise.all([capture.done, apply]);
  if (done()) return status;
  await condition(allHandlersFinished);
  return continueAsNew<typeof follow>({
    ...p,
    capturedThrough: status.capturedThrough,
    appliedThrough: status.appliedThrough,
    counters: status.counters,
  });
}

/** Seconds between the newest captured entry and the head's position (timestamps' seconds parts). */
function lagSeconds(s: FollowStatus): number {
  return Number(s.capturedThrough.split('.')[0]) - Number(s.appliedThrough.split('.')[0]);
}
