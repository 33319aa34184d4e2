/**
 * Inputs and results of the snapshot and groom workflows and their activities, and the retention policy.
 * Pure and sandbox-safe (zod only). Payloads carry ids, timestamps and counts, never documents or keys:
 * an encryption key is named by the environment variable or file that holds it, resolved in the worker.
 */
import { z } from 'zod';
import { ChunkerOptions } from '../chunk/chunker-options.js';
import { JobId, TsString } from './initial-sync.js';

/** Where the worker finds an AES-256 key: exactly one of an environment variable or a key file. */
export const KeyRef = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1-64 letters, digits, dots, dashes or underscores').optional(),
    env: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
  })
  .refine((k) => (k.env === undefined) !== (k.file === undefined), 'give exactly one of env or file');
export type KeyRef = z.infer<typeof KeyRef>;

export const SnapshotCompression = z.enum(['zstd', 'gzip', 'none']);

/** Chunk sizes (FastCDC); the defaults (~1 MiB average) suit production, tests use smaller ones. */
export const ChunkSizes = z
  .object({
    minBytes: z.number().int().min(64).optional(),
    avgBytes: z.number().int().min(256).optional(),
    maxBytes: z.number().int().optional(),
  })
  // The chunker's own rules (with its defaults filled in), checked here so bad sizes never start a snapshot.
  .superRefine((sizes, ctx) => {
    const r = ChunkerOptions.safeParse(sizes);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export const SnapshotInput = z.object({
  jobId: JobId,
  syncNumber: z.number().int().min(1).default(1),
  head: z.string().min(1).default('head'),
  store: z.string().min(1).default('default'),
  compression: SnapshotCompression.default('zstd'),
  encryption: KeyRef.optional(),
  chunker: ChunkSizes.default({}),
  /** When the snapshot was asked for ("<seconds>.0"): names the workflow; the snapshot's own ts comes later. */
  requestedAt: TsString,
  /** The longest apply may stay paused for this snapshot; a forgotten pause ends by itself after it. */
  maxPauseSeconds: z.number().int().min(10).default(3600),
  uploadConcurrency: z.number().int().min(1).max(32).default(4),
});
export type SnapshotInput = z.input<typeof SnapshotInput>;
export type SnapshotParams = z.output<typeof SnapshotInput>;

/** A snapshot's catalog id: `<jobId>/<tsKey>` (the manifest is `manifests/<jobId>/<tsKey>.json`). */
export const SnapshotId = z.string().regex(/^[a-z0-9-]+\/\d{13}-\d{10}$/, "a snapshot id is '<jobId>/<13 digits>-<10 digits>'");

export const SnapshotTotals = z.object({
  collections: z.number().int(),
  documents: z.number().int(),
  /** BSON bytes of every document. */
  bytes: z.number().int(),
  /** Chunks the snapshot lists (distinct). */
  chunks: z.number().int(),
  /** Chunks this snapshot stored because the store lacked them. */
  newChunks: z.number().int(),
  /** Bytes (encoded: compressed, maybe encrypted) this snapshot added to the store. */
  newStoredBytes: z.number().int(),
});
export type SnapshotTotals = z.infer<typeof SnapshotTotals>;

export const SnapshotResult = z.object({
  snapshotId: SnapshotId,
  jobId: z.string(),
  syncNumber: z.number().int(),
  /** The timestamp the head was consistent at when it was read. */
  ts: TsString,
  store: z.string(),
  manifestKey: z.string(),
  totals: SnapshotTotals,
  /** True when a snapshot of the job at this timestamp already existed (nothing new was written). */
  alreadyTaken: z.boolean(),
});
export type SnapshotResult = z.infer<typeof SnapshotResult>;

/** A writer or sweeper of a store, identified by its workflow id. */
export const StoreLeaseInput = z.object({ store: z.string().min(1), owner: z.string().min(1), ttlSeconds: z.number().int().min(10).default(1800) });
export type StoreLeaseInput = z.input<typeof StoreLeaseInput>;

export const PauseApplyInput = z.object({
  jobId: JobId,
  syncNumber: z.number().int().min(1),
  /** The snapshot workflow asking; only it can resume. */
  by: z.string().min(1),
  maxSeconds: z.number().int().min(1),
});
export type PauseApplyInput = z.infer<typeof PauseApplyInput>;

/** Where the head is while paused: applied through `ts` (following) or at the sync's consistent point. */
export const HeadPosition = z.object({ following: z.boolean(), ts: TsString });
export type HeadPosition = z.infer<typeof HeadPosition>;

export const ResumeApplyInput = z.object({ jobId: JobId, by: z.string().min(1), following: z.boolean() });
export type ResumeApplyInput = z.infer<typeof ResumeApplyInput>;
/** `held` is false when apply ran while the snapshot was reading (the pause lapsed or a follow began). */
export const ResumeApplyResult = z.object({ held: z.boolean() });
export type ResumeApplyResult = z.infer<typeof ResumeApplyResult>;

/** The follow workflow's pause/resume updates. */
export const PauseApplyRequest = z.object({ by: z.string().min(1), maxSeconds: z.number().int().min(1) });
export type PauseApplyRequest = z.infer<typeof PauseApplyRequest>;
export const PauseApplyReply = z.object({ appliedThrough: TsString });
export type PauseApplyReply = z.infer<typeof PauseApplyReply>;
export const ResumeApplyRequest = z.object({ by: z.string().min(1) });
export type ResumeApplyRequest = z.infer<typeof ResumeApplyRequest>;

/** What the snapshot workflow checks before it leases the store or pauses apply. */
export const CheckSnapshotInput = SnapshotInput.pick({ jobId: true, syncNumber: true, head: true, store: true, encryption: true });
export type CheckSnapshotInput = z.input<typeof CheckSnapshotInput>;

export const ReadSnapshotInput = SnapshotInput.omit({ requestedAt: true, maxPauseSeconds: true }).extend({
  ts: TsString,
  owner: z.string().min(1),
});
export type ReadSnapshotInput = z.input<typeof ReadSnapshotInput>;

/** What the read left in the store: a staged manifest (or the existing one), and its totals. */
export const StagedSnapshot = z.object({ ts: TsString, stagedKey: z.string(), totals: SnapshotTotals, alreadyTaken: z.boolean() });
export type StagedSnapshot = z.infer<typeof StagedSnapshot>;

export const CommitSnapshotInput = z.object({
  jobId: JobId,
  store: z.string().min(1),
  ts: TsString,
  owner: z.string().min(1),
  ttlSeconds: z.number().int().min(10).default(1800),
});
export type CommitSnapshotInput = z.input<typeof CommitSnapshotInput>;

export const DiscardSnapshotInput = z.object({ jobId: JobId, store: z.string().min(1), ts: TsString });
export type DiscardSnapshotInput = z.infer<typeof DiscardSnapshotInput>;

/**
 * Retention, as Ops Manager words it: a snapshot every `intervalHours`; the newest snapshot of each of the
 * last `keep.hourly` hours, `keep.daily` days, `keep.weekly` ISO weeks and `keep.monthly` months (UTC);
 * and a point-in-time window of `pointInTimeHours` (oplog slices kept so any time in it can be restored).
 */
export const RetentionPolicy = z.object({
  intervalHours: z.number().positive().max(24 * 31).default(6),
  keep: z
    .object({
      hourly: z.number().int().min(0).default(8),
      daily: z.number().int().min(0).default(7),
      weekly: z.number().int().min(0).default(4),
      monthly: z.number().int().min(0).default(13),
    })
    .prefault({}),
  pointInTimeHours: z.number().min(0).default(24),
});
export type RetentionPolicy = z.output<typeof RetentionPolicy>;

export const GroomInput = z.object({
  jobId: JobId,
  /** The store whose unreferenced chunks are swept (besides the stores the job's snapshots are in). */
  store: z.string().min(1).default('default'),
  policy: RetentionPolicy.prefault({}),
  /** Sweep attempts while a snapshot is being written (a sweep never runs beside a writer). */
  sweepAttempts: z.number().int().min(0).default(3),
  sweepRetryMs: z.number().int().min(100).default(60_000),
});
export type GroomInput = z.input<typeof GroomInput>;
export type GroomParams = z.output<typeof GroomInput>;

/** How often a Schedule starts a groom: whole minutes, hours or days ("30m", "6h", "1d"). */
export const GroomEvery = z
  .string()
  .regex(/^[1-9][0-9]{0,4}(m|h|d)$/, 'every is a whole number of minutes, hours or days, e.g. "30m", "6h", "1d"');

/** A groom run by its own Temporal Schedule (`job/<jobId>/groom`): the groom's input plus its interval. */
export const GroomScheduleInput = GroomInput.extend({ every: GroomEvery });
export type GroomScheduleInput = z.input<typeof GroomScheduleInput>;

/** What a groom Schedule is and did, as the client describes it. */
export interface GroomSchedule {
  scheduleId: string;
  everyMs: number;
  paused: boolean;
  nextRuns: Date[];
  /** The grooms it started, oldest first (Temporal keeps the last few). */
  recentRuns: { workflowId: string; scheduledAt: Date }[];
}

/** `store`: the groom's store, checked before anything expires, so an unknown one changes nothing. */
export const ExpireInput = z.object({ jobId: JobId, policy: RetentionPolicy, store: z.string().min(1).optional() });
export type ExpireInput = z.input<typeof ExpireInput>;
export const ExpireResult = z.object({
  kept: z.array(z.object({ snapshotId: z.string(), reasons: z.array(z.string()) })),
  deleted: z.array(z.string()),
  /** Oplog slices ending before this timestamp were deleted (absent: none could be). */
  sliceFloor: TsString.optional(),
  slicesDeleted: z.number().int(),
  /** Stores holding the job's snapshots, to sweep. */
  stores: z.array(z.string()),
});
export type ExpireResult = z.infer<typeof ExpireResult>;

/** The sweeper lease's time to live unless a caller says otherwise (a groom's sweep, terminate's). */
export const DEFAULT_SWEEP_TTL_SECONDS = 1800;
export const SweepInput = z.object({ store: z.string().min(1), owner: z.string().min(1), ttlSeconds: z.number().int().min(10).default(DEFAULT_SWEEP_TTL_SECONDS) });
export type SweepInput = z.input<typeof SweepInput>;
export const SweepResult = z.object({
  status: z.enum(['swept', 'skipped']),
  /** Why a sweep was skipped (a snapshot was being written, or another sweep held the store). */
  reason: z.string().optional(),
  manifests: z.number().int(),
  referenced: z.number().int(),
  chunksDeleted: z.number().int(),
  bytesFreed: z.number().int(),
});
export type SweepResult = z.infer<typeof SweepResult>;

export const GroomResult = z.object({ expire: ExpireResult, sweeps: z.record(z.string(), SweepResult) });
export type GroomResult = z.infer<typeof GroomResult>;

export const SNAPSHOT_PHASES = ['waiting for sweep', 'pausing apply', 'reading', 'resuming apply', 'committing', 'complete'] as const;
export const SnapshotStatus = z.object({
  phase: z.enum(SNAPSHOT_PHASES),
  /** The head's timestamp being snapshotted, once apply is paused. */
  ts: TsString.optional(),
  /** Reads that had to be redone because apply moved the head meanwhile. */
  retries: z.number().int(),
});
export type SnapshotStatus = z.infer<typeof SnapshotStatus>;
