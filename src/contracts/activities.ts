/**
 * Inputs and results of the initial-sync and capture activities. Each activity parses its input against
 * these before it touches anything; the workflow builds them. References only: ids, namespaces, counts.
 */
import { z } from 'zod';
import { JobId, TsString } from './initial-sync.js';

const SyncRef = z.object({ jobId: JobId, syncNumber: z.number().int().min(1) });

export const CopyRangeInput = SyncRef.extend({
  source: z.string(),
  sliceStore: z.string(),
  ns: z.string(),
  rangeIndex: z.number().int().min(0),
  sliceMaxBytes: z.number().int(),
  readPreference: z.string().optional(),
});
export type CopyRangeInput = z.infer<typeof CopyRangeInput>;
export const CopyRangeResult = z.object({ docs: z.number(), bytes: z.number(), slices: z.number() });
export type CopyRangeResult = z.infer<typeof CopyRangeResult>;

export const BuildSlicesInput = SyncRef.extend({ head: z.string(), maxSeconds: z.number().int() });
export type BuildSlicesInput = z.infer<typeof BuildSlicesInput>;
export const BuildSlicesResult = z.object({
  slices: z.number(),
  docs: z.number(),
  perCollection: z.record(z.string(), z.number()),
});
export type BuildSlicesResult = z.infer<typeof BuildSlicesResult>;

export const CaptureInput = z.object({
  jobId: JobId,
  /** The sync whose chain the slices extend; its record gives the filter and the key (if any). */
  syncNumber: z.number().int().min(1),
  source: z.string(),
  sliceStore: z.string(),
  /** The last captured entry; capture resumes at it and requires it to still be in the oplog. */
  afterTs: TsString,
  maxSeconds: z.number().int().min(1),
  sliceMaxBytes: z
    .number()
    .int()
    .default(10 * 1024 * 1024),
  sliceMaxAgeMs: z.number().int().min(10).default(1000),
  headroomWarnSeconds: z.number().int().min(0).default(3600),
  /**
   * On FerretDB (no awaitData that spares the server), the pause between two oplog reads; each read scans
   * the whole oplog. Default 200 ms; an initial sync asks for more, since its lag matters less than its copy.
   */
  pollMs: z.number().int().min(50).max(10_000).optional(),
  /** End the call at the first slice boundary after this many seconds once it wrote a slice (tail.ts). */
  returnAfterSeconds: z.number().int().min(1).optional(),
});
export type CaptureInput = z.input<typeof CaptureInput>;
export const CaptureResult = z.object({
  lastTs: TsString,
  slices: z.number(),
  entries: z.number(),
  /** Seconds from the newest captured entry's write to its durable slice (0 when nothing was captured). */
  captureLagSeconds: z.number(),
  /** Seconds of oplog between its oldest entry and the next entry to capture (null if unknown). */
  headroomSeconds: z.number().nullable(),
});
export type CaptureResult = z.infer<typeof CaptureResult>;

export const ApplyInput = SyncRef.extend({
  head: z.string(),
  afterTs: TsString,
  untilTs: TsString,
  /**
   * One call applies at most this many slices and stops at the first slice boundary after `maxSeconds`,
   * so a call stays short (heartbeats, retries, a snapshot's pause) however far behind apply is.
   */
  maxSlices: z.number().int().positive().default(64),
  maxSeconds: z.number().positive().default(60),
});
export type ApplyInput = z.infer<typeof ApplyInput>;
export const ApplyResult = z.object({ through: TsString, entries: z.number(), missing: z.number() });
export type ApplyResult = z.infer<typeof ApplyResult>;

export const FetchMissingInput = SyncRef.extend({ source: z.string(), head: z.string() });
export type FetchMissingInput = z.infer<typeof FetchMissingInput>;
export const FetchMissingResult = z.object({ fetched: z.number(), gone: z.number() });

export const IndexesInput = SyncRef.extend({ head: z.string() });
export type IndexesInput = z.infer<typeof IndexesInput>;
export const IndexesResult = z.object({
  built: z.number(),
  failed: z.array(z.object({ ns: z.string(), name: z.string(), error: z.string() })),
});
export type IndexesResult = z.infer<typeof IndexesResult>;
