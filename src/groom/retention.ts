/**
 * The retention decision, a pure function of the snapshots, the policy and the time. As Ops Manager (and
 * restic's `forget --keep-*`): walking from the newest snapshot back, the newest snapshot of each distinct
 * hour, day, ISO week and month (UTC) is kept, up to the policy's count per bucket kind. The newest snapshot
 * is always kept (incremental snapshots and apply start from it), and so is the newest snapshot at or before
 * the start of the point-in-time window, from which a restore to the window's first second replays. A job
 * younger than its window has no such snapshot: its oldest snapshot is the base, so that the window still
 * reaches back to the job's first snapshot (dropping it by the bucket counts, several snapshots in one hour
 * say, would silently cut the window the operator asked for to less than the job's age).
 */
import type { RetentionPolicy } from '../contracts/snapshot.js';

export type RetentionReason = 'latest' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'point-in-time';

export interface RetentionCandidate {
  id: string;
  /** The snapshot's time, in milliseconds since the epoch. */
  at: number;
}

export interface RetentionDecision {
  /** Kept snapshots and why, newest first. */
  keep: Map<string, RetentionReason[]>;
  /** Snapshots no rule keeps, newest first. */
  drop: string[];
  /** Start of the point-in-time window (ms). */
  windowStart: number;
  /**
   * The snapshot oplog slices are needed from: the point-in-time base (the oldest snapshot when none is as
   * old as the window; slices before it serve no restore). Absent when there is no snapshot.
   */
  sliceFloor?: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const pad = (n: number) => String(n).padStart(2, '0');

/** The bucket of a time for each kind, in UTC. */
export function bucketOf(kind: 'hourly' | 'daily' | 'weekly' | 'monthly', at: number): string {
  const d = new Date(at);
  const [y, m, day, h] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours()];
  switch (kind) {
    case 'hourly':
      return `${y}-${pad(m)}-${pad(day)}T${pad(h)}`;
    case 'daily':
      return `${y}-${pad(m)}-${pad(day)}`;
    case 'monthly':
      return `${y}-${pad(m)}`;
    case 'weekly':
      return isoWeek(at);
  }
}

/** ISO 8601 week ("2024-W01"): weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(at: number): string {
  const midnight = Math.floor(at / DAY) * DAY;
  const mondayBased = (new Date(midnight).getUTCDay() + 6) % 7;
  const thursday = midnight + (3 - mondayBased) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return `${year}-W${pad(week)}`;
}

export function decideRetention(snapshots: RetentionCandidate[], policy: RetentionPolicy, now: number): RetentionDecision {
  const newestFirst = [...snapshots].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const keep = new Map<string, RetentionReason[]>();
  const mark = (id: string, reason: RetentionReason) => keep.set(id, [...(keep.get(id) ?? []), reason]);
  const windowStart = now - policy.pointInTimeHours * HOUR;
  if (newestFirst[0] !== undefined) mark(newestFirst[0].id, 'latest');
  for (const kind of ['hourly', 'daily', 'weekly', 'monthly'] as const) {
    let last: string | undefined;
    let kept = 0;
    for (const s of newestFirst) {
      if (kept >= policy.keep[kind]) break;
      const bucket = bucketOf(kind, s.at);
      if (bucket === last) continue;
      last = bucket;
      kept += 1;
      mark(s.id, kind);
    }
  }
  const base = newestFirst.find((s) => s.at <= windowStart) ?? newestFirst.at(-1);
  if (base !== undefined) mark(base.id, 'point-in-time');
  const ordered = new Map(newestFirst.filter((s) => keep.has(s.id)).map((s) => [s.id, keep.get(s.id)!]));
  return {
    keep: ordered,
    drop: newestFirst.filter((s) => !keep.has(s.id)).map((s) => s.id),
    windowStart,
    sliceFloor: base?.id,
  };
}
