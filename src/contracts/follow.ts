/**
 * Input and state of the follow workflow: after an initial sync, capture the oplog forever into slices and
 * apply them to the head. The whole state is carried across continue-as-new.
 */
import { z } from 'zod';
import { JobId, TsString } from './initial-sync.js';

export const FollowInput = z.object({
  jobId: JobId,
  syncNumber: z.number().int().min(1),
  source: z.string().min(1),
  head: z.string().min(1).default('head'),
  sliceStore: z.string().min(1).default('default'),
  /** Captured and applied through this timestamp (the sync's consistent point at first). */
  capturedThrough: TsString,
  appliedThrough: TsString,
  sliceMaxBytes: z
    .number()
    .int()
    .default(10 * 1024 * 1024),
  /**
   * An open slice closes once its first entry is this old (slice-age.ts): the capture lag's floor. 500 ms,
   * not 1 s: at 1 s the lag's p99 could not be under 1 s whatever the server did (docs/benchmarks.md,
   * "capture lag at a 500 ms slice age"); the cost is up to two slices and catalog records a second.
   */
  sliceMaxAgeMs: z.number().int().min(10).default(500),
  captureSeconds: z.number().int().min(1).default(60),
  /**
   * A capture call that wrote a slice returns after this many seconds instead of running to its end:
   * apply takes what a finished call reports, so this bounds how far the head trails under load.
   */
  captureReturnAfterSeconds: z.number().int().min(1).default(10),
  applyIntervalMs: z.number().int().min(100).default(1000),
  /**
   * One apply activity stops at the first slice boundary after this many seconds: a snapshot's pause
   * waits for the apply in flight, and status reports `appliedThrough` once per call.
   */
  applyCallSeconds: z.number().int().min(1).max(600).default(10),
  /** Warn when the source oplog would roll past the next entry to capture within this many seconds. */
  headroomWarnSeconds: z.number().int().min(0).default(3600),
  /** Stop after capturing through this timestamp (tests and bounded runs); forever when absent. */
  stopAfter: TsString.optional(),
  counters: z
    .object({ slices: z.number(), entries: z.number(), applied: z.number() })
    .default({ slices: 0, entries: 0, applied: 0 }),
});
export type FollowInput = z.input<typeof FollowInput>;
export type FollowParams = z.output<typeof FollowInput>;

export const FollowStatus = z.object({
  capturedThrough: TsString,
  appliedThrough: TsString,
  /** Seconds between the newest captured entry's time and the moment its slice was durable. */
  captureLagSeconds: z.number(),
  /** Seconds the head is behind the captured oplog. */
  applyLagSeconds: z.number(),
  /** How long the source oplog still covers the next entry to capture, in seconds. */
  headroomSeconds: z.number().nullable(),
  warnings: z.array(z.string()),
  counters: z.object({ slices: z.number(), entries: z.number(), applied: z.number() }),
});
export type FollowStatus = z.infer<typeof FollowStatus>;
