/**
 * The follow, watched while the restore runs: the Schedule's later snapshots (each needs a head that
 * moved, which happens once per capture call) and the head's catch-up with the source, both while the
 * writer goes on. Watched from before the restore and reported after it, so the two waits overlap
 * instead of adding up; nothing is printed meanwhile but warnings.
 */
import type { SnapshotRecord } from '../src/catalog/snapshots.js';
import { compareTsString } from '../src/contracts/initial-sync.js';
import type { FollowStatus } from '../src/contracts/follow.js';
import { tsToString } from '../src/lib/bson.js';
import { latestOplogTs } from '../src/source/plan-sync.js';
import { CAPTURE_CALL_SECONDS, jobTrouble, noteLag, say, secs, warn, type DemoContext } from './context.js';
import { awaitSnapshots } from './snapshot-step.js';
import { waitFor, type Waited } from './wait.js';

export interface Followed { snapshots: SnapshotRecord[]; snapshotsMs: number; end: string; caughtUp: Waited<FollowStatus | undefined> }

/** Starts watching; the promise settles when both waits are over (a missing snapshot rejects it). */
export function watchFollow(ctx: DemoContext): Promise<Followed> {
  const started = Date.now();
  const watching = (async () => {
    const end = tsToString(await latestOplogTs(ctx.source));
    const [snapshots, caughtUp] = await Promise.all([
      awaitSnapshots(ctx, ctx.size.snapshots).then((list) => ({ list, ms: Date.now() - started })),
      catchUp(ctx, end),
    ]);
    return { snapshots: snapshots.list, snapshotsMs: snapshots.ms, end, caughtUp };
  })();
  watching.catch(() => undefined); // awaited by the caller; a Ctrl-C during the restore must not be unhandled
  return watching;
}

/** Prints what the watch saw; an apply that did not catch up is a warning, not a wait that never ends. */
export function reportFollow(ctx: DemoContext, f: Followed): void {
  say(`  ${f.snapshots.length} snapshots, the last of the head at ${tsToString(f.snapshots.at(-1)!.ts)}, ${secs(f.snapshotsMs)} after the restore began`);
  const w = f.caughtUp;
  if (w.ok) say(`  the head applied through ${w.value!.appliedThrough}, past the source's ${f.end}, ${secs(w.ms)} after the restore began (the follow applies what a capture call of ${CAPTURE_CALL_SECONDS} s took when it returns)`);
  else warn(ctx, `apply did not catch up in ${secs(w.ms)}${w.error ? ` (${w.error})` : ''}: applied through ${w.value?.appliedThrough ?? '?'}, the source was at ${f.end} (apply lag ${w.value?.applyLagSeconds.toFixed(0) ?? '?'} s)`);
}

/** Until the head has applied through `end` (bounded: one capture call, the apply, and room for load). */
async function catchUp(ctx: DemoContext, end: string): Promise<Waited<FollowStatus | undefined>> {
  const w = await waitFor({
    probe: () => ctx.hw.jobs.jobStatus(ctx.names.jobId),
    done: (s) => s.follow !== undefined && compareTsString(s.follow.appliedThrough, end) >= 0,
    hopeless: jobTrouble,
    timeoutMs: (CAPTURE_CALL_SECONDS + 180) * 1000,
    signal: ctx.signal,
    everyMs: 1000,
    onValue: (s) => noteLag(ctx, s.follow),
  });
  return { ...w, value: w.value?.follow };
}
