/**
 * The job's headroom warning, decided from one reading and the job's current threshold. Pure and
 * sandbox-safe: the job workflow calls it after each health check and after `job update`, so a changed
 * threshold takes effect at once. A change of warning yields the event the job records.
 */
import type { JobHeadroom } from '../contracts/job.js';

export interface HeadroomReading {
  /** Seconds the source oplog still covers the next entry to capture. */
  seconds: number;
  thresholdSeconds: number;
  at: string;
}

export interface HeadroomChange {
  /** Absent when no capture runs. */
  headroom?: JobHeadroom;
  event?: { kind: 'headroom low' | 'headroom recovered'; message: string };
}

export function warningText(seconds: number, thresholdSeconds: number): string {
  return `oplog headroom is ${seconds}s, below the job's threshold of ${thresholdSeconds}s: the source oplog may roll over before capture catches up`;
}

export function nextHeadroom(prev: JobHeadroom | undefined, r: HeadroomReading): HeadroomChange {
  const low = r.seconds < r.thresholdSeconds;
  const base = { seconds: r.seconds, thresholdSeconds: r.thresholdSeconds, checkedAt: r.at };
  if (low) {
    const warning = warningText(r.seconds, r.thresholdSeconds);
    if (prev?.warning !== undefined) return { headroom: { ...base, warning, since: prev.since } };
    return { headroom: { ...base, warning, since: r.at }, event: { kind: 'headroom low', message: warning } };
  }
  const headroom = base;
  if (prev?.warning === undefined) return { headroom };
  return { headroom, event: { kind: 'headroom recovered', message: `headroom warning cleared: oplog headroom is ${r.seconds}s, at or above ${r.thresholdSeconds}s` } };
}

/** No capture runs (Stopped, a sync, a resync required): nothing can roll past it, so a warning ends. */
export function noCapture(prev: JobHeadroom | undefined): HeadroomChange {
  if (prev?.warning === undefined) return {};
  return { event: { kind: 'headroom recovered', message: 'headroom warning cleared: the job captures nothing now' } };
}
