/**
 * The point-in-time window of a job: the times a restore can reach, from the retained snapshots and the
 * contiguous chain of oplog slices after them (prevTs links, src/oplog/coverage.ts). A range starts at a
 * snapshot and ends where its chain ends or breaks; a later snapshot past a break starts a new range.
 * Each snapshot follows the chain of its own sync (src/catalog/slices.ts): a restore replays from the
 * latest snapshot at or before T, so once a range reaches a later snapshot, that snapshot's chain decides
 * where the range ends. Invariant: a time inside a range has a snapshot at or before it and every oplog
 * entry up to it on that snapshot's chain.
 */
import type { Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import type { SnapshotRecord } from '../catalog/snapshots.js';
import { NotFound } from '../errors/domain-errors.js';
import { tsToString } from '../lib/bson.js';
import { formatExact, isoSecond } from './restore-time.js';

/** One stretch of restorable time: every ts in [from, to]; whole seconds firstSecond..lastSecond. */
export interface WindowRange {
  from: Timestamp;
  to: Timestamp;
}

export interface RestoreWindow {
  jobId: string;
  /** Ranges in time order; usually one. */
  ranges: WindowRange[];
  snapshots: SnapshotRecord[];
}

/**
 * The job's window, read from the catalog.
 * @throws NotFound when the job has no snapshot in the catalog (unknown job, or nothing retained)
 */
export async function restoreWindow(catalog: Catalog, jobId: string): Promise<RestoreWindow> {
  const snapshots = await catalog.snapshots.list(jobId);
  if (snapshots.length === 0) throw new NotFound(`job '${jobId}' has no snapshot in the catalog: nothing to restore`);
  const chains = new Map<number, SliceRecord[]>();
  const chainOf = async (n: number) => {
    if (!chains.has(n)) chains.set(n, await catalog.slices.oplogAfter({ jobId, syncNumber: n }, snapshots[0]!.ts));
    return chains.get(n)!;
  };
  const ranges: WindowRange[] = [];
  for (const s of snapshots) {
    const open = ranges.at(-1);
    // Groom marks a snapshot whose next slices it deletes before it deletes them: no replay from it.
    const to = s.oplogCut === true ? s.ts : chainEnd(await chainOf(s.syncNumber), s.ts);
    // Reached by the open range: from here on this snapshot is the one a restore starts from.
    if (open !== undefined && !s.ts.gt(open.to)) open.to = to;
    else ranges.push({ from: s.ts, to });
  }
  return { jobId, ranges, snapshots };
}

/** The running maximum ts reached by the chain of slices starting at `from`, up to its first hole. */
export function chainEnd(slices: SliceRecord[], from: Timestamp): Timestamp {
  let end = from;
  for (const s of slices) {
    if (s.prevTs!.lt(from)) continue;
    if (s.prevTs!.gt(end)) break; // a hole: entries between `end` and this slice were never captured
    if (s.lastTs!.gt(end)) end = s.lastTs!;
  }
  return end;
}

/** Whether `ts` is restorable. */
export function windowHolds(window: RestoreWindow, ts: Timestamp): boolean {
  return window.ranges.some((r) => !ts.lt(r.from) && !ts.gt(r.to));
}

/**
 * Whole seconds a range restores completely: from the snapshot's second to the last second whose every
 * entry is captured (the second of `to` counts only once an entry of a later second is captured).
 */
export function rangeSeconds(r: WindowRange): { first: number; last: number } {
  const last = (r.to.low >>> 0) === 0xffffffff ? r.to.high >>> 0 : (r.to.high >>> 0) - 1;
  return { first: r.from.high >>> 0, last };
}

/** The window as people read it: "2024-05-01T12:00:00Z to 2024-05-01T13:00:00Z (entries 1714564800,1 to ...)". */
export function describeWindow(window: RestoreWindow): string {
  return window.ranges
    .map((r) => {
      const s = rangeSeconds(r);
      const seconds = s.last >= s.first ? `${isoSecond(s.first)} to ${isoSecond(s.last)}` : 'no whole second';
      return `${seconds} (entries ${formatExact(r.from)} to ${formatExact(r.to)})`;
    })
    .join(', ');
}

/** A serialisable summary of the window, for results and the CLI. */
/** A window as printed and sent over Temporal: timestamps as `<seconds>.<increment>`, seconds as ISO. */
export type WindowSummary = ReturnType<typeof windowSummary>;

export function windowSummary(window: RestoreWindow) {
  return {
    jobId: window.jobId,
    ranges: window.ranges.map((r) => {
      const s = rangeSeconds(r);
      return { from: tsToString(r.from), to: tsToString(r.to), firstSecond: isoSecond(s.first), lastSecond: isoSecond(s.last) };
    }),
    snapshots: window.snapshots.length,
  };
}
