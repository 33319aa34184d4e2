/**
 * Follows a job's source after its initial sync: captures the oplog into slices (bounded capture
 * activities back to back) and applies them to the head, both loops side by side. Lag and headroom are
 * readable by query; a rolled-over oplog ends the workflow with "backup requires a resync".
 * Continues-as-new with its whole state when Temporal suggests it, after handlers have finished.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { FollowInput, type FollowParams, type FollowStatus } from '../contracts/follow.js';
import { compareTsString } from '../contracts/initial-sync.js';
import { long, tailing } from './activity-options.js';
import { ApplyPause } from './apply-pause.js';
import { followStatusQuery } from './messages.js';

export async function follow(input: FollowInput): Promise<FollowStatus> {
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

  const capture = (async () => {
    while (
      !rollOver() &&
      !(p.stopAfter !== undefined && compareTsString(status.capturedThrough, p.stopAfter) >= 0)
    ) {
      const r = await tailing.captureOplog({
        jobId: p.jobId,
        syncNumber: p.syncNumber,
        source: p.source,
        sliceStore: p.sliceStore,
        afterTs: status.capturedThrough,
        maxSeconds: p.captureSeconds,
        returnAfterSeconds: p.captureReturnAfterSeconds,
        sliceMaxBytes: p.sliceMaxBytes,
        sliceMaxAgeMs: p.sliceMaxAgeMs,
        headroomWarnSeconds: p.headroomWarnSeconds,
      });
      status.capturedThrough = r.lastTs;
      status.counters.slices += r.slices;
      status.counters.entries += r.entries;
      status.captureLagSeconds = r.captureLagSeconds;
      status.headroomSeconds = r.headroomSeconds;
      if (r.headroomSeconds !== null && r.headroomSeconds < p.headroomWarnSeconds) {
        const w = `oplog headroom is ${r.headroomSeconds}s, below ${p.headroomWarnSeconds}s: the source oplog may roll over before capture catches up`;
        log.warn(w);
        status.warnings = [...status.warnings.slice(-9), w];
      }
    }
  })();

  const apply = (async () => {
    while (!rollOver() && !done()) {
      if (compareTsString(status.capturedThrough, status.appliedThrough) > 0) {
        // One bounded call (64 slices or applyCallSeconds) per turn, so a snapshot's pause waits briefly.
        const from = status.appliedThrough;
        const until = status.capturedThrough;
        const r = await pause.apply(() =>
          long.applyOplog({
            jobId: p.jobId,
            syncNumber: p.syncNumber,
            head: p.head,
            afterTs: from,
            untilTs: until,
            maxSeconds: p.applyCallSeconds,
          }),
        );
        status.appliedThrough = r.through;
        status.counters.applied += r.entries;
        if (r.through === from) await sleep(p.applyIntervalMs);
      } else {
        // Nothing captured past the head: wait for the next capture call to bring something (or for the
        // run to end) instead of waking every interval, which on an idle source was most of the
        // workflow's history (two timer events and a workflow task a second, about 430,000 a day).
        // patched(): a follow started by an older worker replays its timers as they were.
        if (patched('apply-waits-for-capture'))
          await condition(
            () => compareTsString(status.capturedThrough, status.appliedThrough) > 0 || rollOver() || done(),
          );
        else await sleep(p.applyIntervalMs);
      }
      status.applyLagSeconds =
        Number(status.capturedThrough.split('.')[0]) - Number(status.appliedThrough.split('.')[0]);
    }
  })();

  await Promise.all([capture, apply]);
  if (done()) return status;
  await condition(allHandlersFinished);
  return continueAsNew<typeof follow>({
    ...p,
    capturedThrough: status.capturedThrough,
    appliedThrough: status.appliedThrough,
    counters: status.counters,
  });
}
