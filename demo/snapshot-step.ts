/**
 * Snapshots and the moment to restore to. The first snapshot is triggered through the job's Schedule at
 * once; the Schedule takes the rest. After the first, the demo holds its writer still across a second
 * boundary, records what the source holds at that second (the moment), and lets the writer go on, so the
 * restore must take the snapshot and replay the oplog up to that second, not just copy the source.
 */
import type { SnapshotRecord } from '../src/catalog/snapshots.js';
import { tsToString } from '../src/lib/bson.js';
import { isoSecond } from '../src/restore/restore-time.js';
import { rangeSeconds, restoreWindow } from '../src/restore/restore-window.js';
import { scheduleIds } from '../src/workflows/ids.js';
import { CAPTURE_CALL_SECONDS, jobTrouble, noteLag, say, secs, type DemoContext } from './context.js';
import { databaseState, type DbState } from './digest.js';
import { Bars } from './progress.js';
import { sampleDbs } from './sync-step.js';
import { sleep, waitFor } from './wait.js';

export interface Moment { second: number; state: DbState; writesBefore: number }

/**
 * Waits until the job has `n` snapshots, sampling the lag meanwhile. A snapshot is of the head at its
 * applied time, and a Schedule run that finds the head where the last snapshot was is that same snapshot:
 * a new one needs the head to have moved, once per capture call (CAPTURE_CALL_SECONDS). Bounded by both.
 */
export async function awaitSnapshots(ctx: DemoContext, n: number, bars?: Bars): Promise<SnapshotRecord[]> {
  const bound = (n * CAPTURE_CALL_SECONDS + (n + 2) * ctx.size.snapshotEverySeconds) * 1000 + 120_000;
  const w = await waitFor({
    probe: async () => ({ status: await ctx.hw.jobs.jobStatus(ctx.names.jobId).catch(() => undefined), list: await ctx.catalog.snapshots.list(ctx.names.jobId) }),
    done: (v) => v.list.length >= n,
    hopeless: (v) => jobTrouble(v.status),
    timeoutMs: bound,
    signal: ctx.signal,
    everyMs: 1000,
    onValue: ({ status, list }) => {
      noteLag(ctx, status?.follow);
      bars?.update('snapshots', list.length, list.length > 0 ? `last at ${tsToString(list.at(-1)!.ts)}` : 'waiting for the first');
    },
  });
  if (!w.ok) throw new Error(`only ${w.value?.list.length ?? 0} of ${n} snapshots after ${secs(w.ms)}: ${w.error ?? `the Schedule runs every ${ctx.size.snapshotEverySeconds} s, and a new snapshot needs the head to have moved`}`);
  return w.value!.list;
}

export async function triggerSnapshot(ctx: DemoContext): Promise<void> {
  await ctx.hw.temporal.schedule.getHandle(scheduleIds.snapshot(ctx.names.jobId)).trigger();
}

const WRITES_TO_REPLAY = 12;

/** Holds the writer still across a second boundary and records the source at that second. */
export async function takeMoment(ctx: DemoContext): Promise<Moment> {
  // Some writes after the snapshot, for the restore to replay (counted, not timed: a loaded machine writes slower).
  const after = ctx.workload.total + WRITES_TO_REPLAY;
  const w = await waitFor({ probe: async () => ctx.workload.total, done: (n) => n >= after, timeoutMs: 60_000, signal: ctx.signal, everyMs: 100 });
  if (!w.ok) throw new Error(`the writer made ${w.value ?? 0} of ${after} writes in ${secs(w.ms)} (last error: ${ctx.workload.stats.lastError ?? 'none'})`);
  await ctx.workload.pause();
  // Every write so far has an oplog time at or before this second; none after it until the writer resumes.
  const second = Math.floor(Date.now() / 1000);
  const state = await databaseState(ctx.source, sampleDbs(ctx));
  const writesBefore = ctx.workload.total;
  await sleep(Math.max(0, (second + 1) * 1000 + 50 - Date.now()), ctx.signal);
  ctx.workload.resume();
  say(`  chosen moment: ${isoSecond(second)} (after ${writesBefore} writes); the writer goes on`);
  return { second, state, writesBefore };
}

/** Waits until the job's point-in-time window reaches the moment (its oplog up to it is captured). */
export async function awaitWindow(ctx: DemoContext, second: number): Promise<void> {
  const w = await waitFor({
    probe: () => restoreWindow(ctx.catalog, ctx.names.jobId),
    done: (win) => win.ranges.some((r) => rangeSeconds(r).first <= second && rangeSeconds(r).last >= second),
    timeoutMs: 240_000,
    signal: ctx.signal,
    everyMs: 1000,
  });
  const ranges = w.value?.ranges.map((r) => `${isoSecond(rangeSeconds(r).first)} to ${isoSecond(rangeSeconds(r).last)}`).join(', ') ?? 'none';
  if (!w.ok) throw new Error(`the point-in-time window (${ranges}) did not reach ${isoSecond(second)} in ${secs(w.ms)}`);
  say(`  point-in-time window: ${ranges}`);
}
