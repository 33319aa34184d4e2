/**
 * The backup job: its definition (what to back up, how often, how long to keep it), its states in Ops
 * Manager's words, and what the job workflow, its activities and the client exchange. Pure and
 * sandbox-safe (zod only). A source is named by connection id; a key by its id; never a URI or a secret.
 */
import { z } from 'zod';
import { FollowStatus } from './follow.js';
import { JobId, NamespaceFilter, SyncProgress, TsString } from './initial-sync.js';
import { RetentionPolicy, SnapshotCompression } from './snapshot.js';

/** Ops Manager's states of a backup job ("Initial Sync" is the transition state between Inactive and Active). */
export const JOB_STATES = ['Inactive', 'Initial Sync', 'Active', 'Stopped'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

export const JOB_COMMANDS = ['start', 'stop', 'restart', 'terminate', 'resync'] as const;
export const JobCommand = z.enum(JOB_COMMANDS);
export type JobCommand = z.infer<typeof JobCommand>;

/** Ops Manager's alert, shown as the job's condition: not a state, the job waits for `resync`. */
export const RESYNC_REQUIRED = 'backup requires a resync';

const keepCount = (n: number) => z.number().int().min(0).default(n);

/**
 * The groom's RetentionPolicy with the defaults of Ops Manager and Atlas: a snapshot every 6 hours (the
 * policy's own default); hourly snapshots kept 2 days (48 hourly buckets), daily 7 days, weekly 4 weeks,
 * monthly 12 months; a 24-hour point-in-time window. Any count not given takes its default.
 */
export const JobRetention = RetentionPolicy.extend({
  keep: z.object({ hourly: keepCount(48), daily: keepCount(7), weekly: keepCount(4), monthly: keepCount(12) }).prefault({}),
});

/**
 * Which member of the source the job's syncs read: MongoDB's read preference mode and tag sets (tried in
 * order, `{}` matches any). It is recorded with each sync's plan, whose T0, copy and capture (the sync's
 * and the follow's) all read with it. Absent: `secondaryPreferred`, never the connection's own
 * `readPreference`. Either way one member is chosen when the sync starts and pinned for it
 * (src/source/read-options.ts: T0 and the copy must read one member), as PBM reads one chosen node.
 */
export const JobReadPreference = z
  .object({
    mode: z.enum(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest']),
    tags: z.array(z.record(z.string(), z.string())).optional(),
  })
  .strict()
  .refine((p) => p.mode !== 'primary' || p.tags === undefined, 'tag sets need a mode other than primary');

/**
 * The member choice of a job that names none. The worker resolves it the same way (src/source/read-options.ts
 * DEFAULT_READ_MODE; the sandbox cannot import it), and the sync's plan records what it used.
 */
export const DEFAULT_JOB_READ_PREFERENCE = { mode: 'secondaryPreferred' } as const satisfies z.input<typeof JobReadPreference>;

/**
 * The one member a sync (and the follow after it) reads, as the job chose it when the sync started:
 * the same choice its plan records in the catalog (`member`, `reads`).
 */
export const SyncSource = z.object({
  syncNumber: z.number().int().min(1),
  /** host:port of the member. */
  member: z.string(),
  /** The read preference that chose it (the job's, or the default). */
  readPreference: JobReadPreference,
});
export type SyncSource = z.infer<typeof SyncSource>;

export const JobDefinition = z.object({
  jobId: JobId,
  /** Connection id of the source replica set, resolved in the worker. */
  source: z.string().min(1),
  /** Connection id of the head (and the catalog beside it). */
  head: z.string().min(1).default('head'),
  filter: NamespaceFilter.prefault({}),
  /** Snapshot interval, bucket counts and point-in-time window: the groom's own policy schema. */
  retention: JobRetention.prefault({}),
  /** Snapshot store id; slices go to the slice store. */
  store: z.string().min(1).default('default'),
  sliceStore: z.string().min(1).default('default'),
  compression: SnapshotCompression.default('zstd'),
  /** Id of the key snapshots are sealed with (resolved in the worker from HEADWATER_KEY_<ID>); none: clear. */
  encryptionKeyId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  /** The member choice of the job's syncs; absent: DEFAULT_JOB_READ_PREFERENCE (secondaryPreferred), never the connection's. */
  readPreference: JobReadPreference.optional(),
  /** `auto`: a rolled-over oplog starts a resync by itself (recorded as an event); `manual`: it waits. */
  resyncPolicy: z.enum(['manual', 'auto']).default('manual'),
  /** Warn when the source oplog would roll past the next entry to capture within this many seconds. */
  headroomWarnSeconds: z.number().int().min(0).default(3600),
});
export type JobDefinitionInput = z.input<typeof JobDefinition>;
export type JobDefinition = z.output<typeof JobDefinition>;

/** The range a rolled-over oplog lost, from the capture's OplogRolledOver failure details. */
export const ResyncRequired = z.object({
  message: z.string(),
  missingFrom: TsString.optional(),
  oldestAvailable: TsString.nullable().optional(),
});
export type ResyncRequired = z.infer<typeof ResyncRequired>;

export const JobFailure = z.object({ type: z.string(), message: z.string() });
export type JobFailure = z.infer<typeof JobFailure>;

/** What the pure state machine (src/workflows/job-machine.ts) holds. */
export const JobMachineState = z.object({
  state: JobState,
  /** The number of the latest initial sync (0: never synced); each start, restart and resync adds one. */
  syncNumber: z.number().int().min(0),
  resyncRequired: ResyncRequired.optional(),
  lastError: JobFailure.optional(),
});
export type JobMachineState = z.infer<typeof JobMachineState>;

export const JobCounters = z.object({
  commands: z.number().int(),
  syncs: z.number().int(),
  snapshots: z.number().int(),
  autoResyncs: z.number().int(),
  continuedAsNew: z.number().int(),
});
export type JobCounters = z.infer<typeof JobCounters>;

export const LastSnapshot = z.object({ snapshotId: z.string(), ts: TsString });

/** The point-in-time window: each range restorable from `firstSecond` to `lastSecond` (src/restore/restore-window.ts). */
export const JobWindow = z.object({
  ranges: z.array(z.object({ from: TsString, to: TsString, firstSecond: z.string(), lastSecond: z.string() })),
  snapshots: z.number().int(),
  /** The newest retained snapshot (scheduled or taken by hand), from the catalog. */
  lastSnapshot: LastSnapshot.optional(),
  checkedAt: z.string(),
});
export type JobWindow = z.infer<typeof JobWindow>;

/**
 * The job's oplog headroom against its own threshold. `warning` is set while headroom is below the
 * threshold (before a rollover can happen), and cleared when it recovers or the threshold is raised past it.
 */
export const JobHeadroom = z.object({
  seconds: z.number(),
  thresholdSeconds: z.number().int(),
  warning: z.string().optional(),
  /** When the current warning began (ISO). */
  since: z.string().optional(),
  checkedAt: z.string(),
});
export type JobHeadroom = z.infer<typeof JobHeadroom>;

/** The job workflow's input, and the whole state it carries across continue-as-new. */
export const BackupJobInput = z.object({
  job: JobDefinition,
  machine: JobMachineState.prefault({ state: 'Inactive', syncNumber: 0 }),
  /** Set when the follow child runs (it outlives a continue-as-new: it is abandoned, then watched). */
  following: z.boolean().default(false),
  consistentAt: TsString.optional(),
  lastSnapshot: LastSnapshot.optional(),
  /** The sync whose head is complete (its consistent point is `consistentAt`); see JobView. */
  headSync: z.number().int().min(1).optional(),
  /** The member the latest sync that chose one reads; see JobView. */
  syncSource: SyncSource.optional(),
  window: JobWindow.optional(),
  headroom: JobHeadroom.optional(),
  counters: JobCounters.prefault({ commands: 0, syncs: 0, snapshots: 0, autoResyncs: 0, continuedAsNew: 0 }),
  /** The sync the last auto resync started: a rollover ending that sync's copy does not start another. */
  autoResyncSync: z.number().int().min(1).optional(),
  /** Test-only: continue-as-new once history passes this many events (Temporal's suggestion otherwise). */
  continueAsNewAfterEvents: z.number().int().min(1).optional(),
  /** Follow tuning for tests (capture activity length); production uses the follow's defaults. */
  captureSeconds: z.number().int().min(1).optional(),
  /** Seconds between checks of the window and the headroom while the job captures (tests use 1). */
  healthCheckSeconds: z.number().int().min(1).default(60),
});
export type BackupJobInput = z.input<typeof BackupJobInput>;
export type BackupJobParams = z.output<typeof BackupJobInput>;

/** The job workflow's own view (the client adds the sync's progress and the follow's lag to it). */
export const JobView = z.object({
  jobId: z.string(),
  state: JobState,
  condition: z.string().optional(),
  phase: z.string(),
  syncNumber: z.number().int(),
  allowed: z.array(JobCommand),
  resyncRequired: ResyncRequired.optional(),
  lastError: JobFailure.optional(),
  consistentAt: TsString.optional(),
  /**
   * The sync whose head the job holds, consistent at `consistentAt` (databases `hw_<jobId>_<n>__<db>`).
   * A resync or restart builds its head beside it and switches only when complete, so while that sync
   * runs this is still the earlier one, whose databases are dropped at the switch. Absent before the
   * first sync completes, after terminate, and on a Stopped job carried by a worker that predates it.
   */
  headSync: z.number().int().optional(),
  /** The member the latest sync (and its follow) reads, chosen when it started; absent for a sync begun before the choice. */
  syncSource: SyncSource.optional(),
  lastSnapshot: LastSnapshot.optional(),
  /** First and last restorable second, as of the last check (absent before the first one). */
  window: JobWindow.optional(),
  /** Headroom as of the last check while following; its warning is the job's own, with the current threshold. */
  headroom: JobHeadroom.optional(),
  counters: JobCounters,
  definition: JobDefinition,
});
export type JobView = z.infer<typeof JobView>;

/** A command's request: who asked and why (recorded in the job's event log). */
export const JobCommandRequest = z.object({ reason: z.string().max(500).optional() }).prefault({});
export type JobCommandRequest = z.input<typeof JobCommandRequest>;

/** What `job update` may change while the job runs; the rest (source, head, filter, stores, key) needs a new job. */
export const UPDATABLE_FIELDS = ['retention', 'resyncPolicy', 'headroomWarnSeconds'] as const;

/** `job update`: the whole new definition (the client merges the changes into the current one). */
export const UpdateJobRequest = z.object({ definition: JobDefinition, reason: z.string().max(500).optional() });
export type UpdateJobRequest = z.input<typeof UpdateJobRequest>;

/** The changes `job update` takes: any of the snapshot interval, bucket counts, window, resync policy, headroom threshold. */
export const JobChanges = z.object({
  intervalHours: z.number().positive().optional(),
  keep: z.object({ hourly: z.number().int().min(0), daily: z.number().int().min(0), weekly: z.number().int().min(0), monthly: z.number().int().min(0) }).partial().optional(),
  pointInTimeHours: z.number().min(0).optional(),
  resyncPolicy: z.enum(['manual', 'auto']).optional(),
  headroomWarnSeconds: z.number().int().min(0).optional(),
});
export type JobChanges = z.infer<typeof JobChanges>;

/** Sent by the scheduled snapshot when it committed one. */
export const SnapshotTaken = z.object({ snapshotId: z.string(), ts: TsString });
export type SnapshotTaken = z.infer<typeof SnapshotTaken>;

/** How the follow child ended, as the watch activity saw it. */
export const FollowOutcome = z.object({
  status: z.enum(['completed', 'failed', 'cancelled', 'terminated', 'timed out', 'missing']),
  failureType: z.string().optional(),
  message: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type FollowOutcome = z.infer<typeof FollowOutcome>;

/** Activity inputs of the job workflow (src/activities/job.ts). */
export const JobEventKind = z.enum([
  'created',
  'command',
  'state',
  'resync required',
  'auto resync',
  'auto resync withheld',
  'snapshot skipped',
  'snapshot taken',
  'terminated',
  'failed',
  'headroom low',
  'headroom recovered',
]);
export const JobEventInput = z.object({
  jobId: JobId,
  kind: JobEventKind,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type JobEventInput = z.infer<typeof JobEventInput>;

export const RecordJobStateInput = z.object({
  jobId: JobId,
  state: JobState,
  syncNumber: z.number().int().min(0),
  condition: z.string().optional(),
  event: JobEventInput.omit({ jobId: true }),
});
export type RecordJobStateInput = z.infer<typeof RecordJobStateInput>;

export const JobRef = z.object({ jobId: JobId });
export type JobRef = z.infer<typeof JobRef>;

export const DropHeadsInput = z.object({ jobId: JobId, head: z.string().min(1), keepSyncNumber: z.number().int().optional() });
export type DropHeadsInput = z.infer<typeof DropHeadsInput>;

export const PauseSchedulesInput = z.object({ jobId: JobId, paused: z.boolean(), note: z.string() });
export type PauseSchedulesInput = z.infer<typeof PauseSchedulesInput>;

/** The health check: the window always, the follow's headroom when the job follows. */
export const JobHealthInput = z.object({ jobId: JobId, following: z.boolean() });
export type JobHealthInput = z.infer<typeof JobHealthInput>;
export const JobHealthReport = z.object({
  window: JobWindow,
  /** Undefined when not following, or the follow has no reading or did not answer: the last reading stands. */
  headroomSeconds: z.number().optional(),
});
export type JobHealthReport = z.infer<typeof JobHealthReport>;

export const SnapshotGateInput = z.object({ jobId: JobId, requestedAt: TsString });
export type SnapshotGateInput = z.infer<typeof SnapshotGateInput>;

export const RemovedJobData = z.object({
  snapshots: z.number().int(),
  slices: z.number().int(),
  headDatabases: z.array(z.string()),
  syncs: z.number().int(),
  schedules: z.number().int(),
});
export type RemovedJobData = z.infer<typeof RemovedJobData>;

/** The scheduled snapshot's result: the snapshot taken, or why it was skipped. */
export const ScheduledSnapshotResult = z.object({
  skipped: z.string().optional(),
  snapshotId: z.string().optional(),
  ts: TsString.optional(),
});
export type ScheduledSnapshotResult = z.infer<typeof ScheduledSnapshotResult>;

export const ScheduleSummary = z.object({ scheduleId: z.string(), everyMs: z.number(), paused: z.boolean(), note: z.string(), nextRun: z.date().optional() });

/**
 * What `jobStatus` returns: the job's own view plus what its children know (the sync's phase and progress
 * while in Initial Sync; capture and apply lag, headroom and warnings while following), its Schedules,
 * and the last snapshot's age.
 */
export const JobStatus = JobView.extend({
  sync: SyncProgress.optional(),
  follow: FollowStatus.optional(),
  lastSnapshotAgeSeconds: z.number().optional(),
  schedules: z.object({ snapshot: ScheduleSummary.optional(), groom: ScheduleSummary.optional() }),
});
export type JobStatus = z.infer<typeof JobStatus>;

/** One row of `listJobs`, from Temporal's visibility (search attributes). */
export const JobListing = z.object({ jobId: z.string(), state: z.string(), phase: z.string(), source: z.string(), workflowId: z.string() });
export type JobListing = z.infer<typeof JobListing>;

/** `job check`: the chain of one sync (the job's current one when not given), and with `deep` every object re-read. */
export const JobVerifyInput = z.object({
  jobId: JobId,
  syncNumber: z.number().int().min(1).optional(),
  deep: z.boolean().default(false),
});
export type JobVerifyInput = z.input<typeof JobVerifyInput>;
