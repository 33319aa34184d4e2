/**
 * Proves that a job's oplog slices cover its oplog without holes or overlaps. Each slice records the
 * entry just before its first (`prevTs`), checked by the tail when it resumed; so slices chain when each
 * one's prevTs is the previous one's lastTs, and the first one's prevTs is the job's starting point.
 * An entry at a boundary is thus kept exactly once.
 */
import type { Timestamp } from 'mongodb';
import { tsToString } from '../lib/bson.js';

export interface CoverageSlice {
  _id: string;
  firstTs?: Timestamp;
  lastTs?: Timestamp;
  prevTs?: Timestamp;
}

export interface CoverageReport {
  ok: boolean;
  slices: number;
  from: string;
  through: string;
  holes: Array<{ after: string; before: string; slice: string }>;
  overlaps: Array<{ slice: string; previous: string }>;
}

/**
 * Checks the chain from `start` (T0 of the job). `lastTs` is the running maximum timestamp after a slice,
 * so along the chain prevTs never decreases; slices are given in capture order (prevTs, then creation).
 */
export function checkCoverage(start: Timestamp, slices: CoverageSlice[]): CoverageReport {
  const sorted = [...slices].sort((a, b) => a.prevTs!.compare(b.prevTs!));
  const report: CoverageReport = {
    ok: true,
    slices: sorted.length,
    from: tsToString(start),
    through: tsToString(start),
    holes: [],
    overlaps: [],
  };
  let last = start;
  let lastId = '(start)';
  for (const s of sorted) {
    const { firstTs, lastTs, prevTs } = s;
    if (firstTs === undefined || lastTs === undefined || prevTs === undefined) {
      throw new Error(`slice '${s._id}' has no timestamp range: it is not an oplog slice`);
    }
    if (prevTs.lt(last)) {
      report.overlaps.push({ slice: s._id, previous: lastId });
    } else if (!prevTs.equals(last)) {
      report.holes.push({ after: tsToString(last), before: tsToString(firstTs), slice: s._id });
    }
    if (lastTs.gt(last)) {
      last = lastTs;
      lastId = s._id;
    }
  }
  report.through = tsToString(last);
  report.ok = report.holes.length === 0 && report.overlaps.length === 0;
  return report;
}
