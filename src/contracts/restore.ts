/**
 * Inputs, status and results of the restore workflow (`restore/<restoreId>`) and its activities. Pure and
 * sandbox-safe (zod only). Payloads carry references: snapshot and job ids, connection ids, namespaces,
 * counts and hashes; never documents, URIs or keys (a key is a KeyRef the worker resolves).
 */
import { z } from 'zod';
import { JobId, TsString } from './initial-sync.js';
import { KeyRef } from './snapshot.js';

export const RestoreId = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a restore id is lowercase letters, digits and single dashes')
  .max(48);

/** What to restore: a whole snapshot, or a job at a point in time (ISO second or `<seconds>,<increment>`). */
export const RestoreFrom = z.union([
  z.object({ snapshotId: z.string().min(1) }).strict(),
  z.object({ jobId: JobId, toTime: z.string().min(1) }).strict(),
]);
export type RestoreFrom = z.infer<typeof RestoreFrom>;

export const RestoreInput = z.object({
  restoreId: RestoreId,
  from: RestoreFrom,
  /** Connection id of the target deployment, resolved in the worker. */
  target: z.string().regex(/^[a-zA-Z0-9_.-]+$/, 'a connection id is letters, digits, dots, dashes or underscores'),
  /** `db` or `db.coll`; empty restores every namespace of the snapshot. */
  namespaces: z.array(z.string().min(1)).default([]),
  /** `db.coll=db2.coll2` or `db=db2`. */
  renames: z.array(z.string().min(1)).default([]),
  /** Replace target collections that hold documents (otherwise such a target is refused). */
  drop: z.boolean().default(false),
  /** Where the worker finds the key of an encrypted snapshot. */
  encryption: KeyRef.optional(),
  /** Documents per unordered insert batch; memory is bounded by this, not by the data. */
  batchDocs: z.number().int().min(1).max(100_000).default(10_000),
  batchBytes: z.number().int().min(64 * 1024).max(48 * 1024 * 1024).default(8 * 1024 * 1024),
  /** Collections restored at once (mongorestore's default is 4 too). */
  parallelism: z.number().int().min(1).max(16).default(4),
  /** Chunks fetched and decoded at once within one collection. */
  fetchConcurrency: z.number().int().min(1).max(32).default(4),
});
export type RestoreInput = z.input<typeof RestoreInput>;
export type RestoreParams = z.output<typeof RestoreInput>;

export const RESTORE_PHASES = [
  'planning',
  'preparing target',
  'restoring collections',
  'verifying',
  'replaying oplog',
  'building indexes',
  'complete',
  'failed',
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

export const TargetNs = z.object({ db: z.string(), coll: z.string() });

/** One collection of the plan: its source namespace, where it lands, and what the manifest says. */
export const PlannedCollection = z.object({ ns: z.string(), target: TargetNs, count: z.number().int(), bytes: z.number().int() });
export type PlannedCollection = z.infer<typeof PlannedCollection>;

/** A plan (src/restore/plan-restore.ts makes it): references only, small enough for a workflow payload. */
export const RestorePlan = z.object({
  jobId: z.string(),
  syncNumber: z.number().int(),
  snapshotId: z.string(),
  /** The snapshot's store id and manifest key. */
  store: z.string(),
  manifestKey: z.string(),
  snapshotTs: TsString,
  /** Inclusive bound of the oplog replay; absent for a snapshot restore. */
  toTs: TsString.optional(),
  /** Whether the time named one entry (`<seconds>,<increment>`) or a whole second. */
  exact: z.boolean().optional(),
});
export type RestorePlan = z.infer<typeof RestorePlan>;

/** The plan the workflow runs: the plan, its namespace scope and its collections. */
export const RestorePlanRef = RestorePlan.extend({
  /** The databases the job backs up: the namespace map's scope (a collection the replay creates is mapped too). */
  scope: z.array(z.string()),
  collections: z.array(PlannedCollection),
});
export type RestorePlanRef = z.infer<typeof RestorePlanRef>;

export const CollectionProgress = z.object({
  target: z.string(),
  expected: z.number().int(),
  docs: z.number().int(),
  done: z.boolean(),
  /** The collection's last attempt went on from an earlier attempt's cursor (a worker died mid-way). */
  resumed: z.boolean().optional(),
  /** Its count and content hash checked against the manifest: equal (true) or not (false); absent until checked. */
  verified: z.boolean().optional(),
});

export const AppliedOp = z.object({ ts: TsString, ns: z.string() });
export type AppliedOp = z.infer<typeof AppliedOp>;

export const CollectionVerification = z.object({
  ns: z.string(),
  target: z.string(),
  expectedCount: z.number().int(),
  count: z.number().int(),
  expectedHash: z.string(),
  hash: z.string(),
  ok: z.boolean(),
});
export type CollectionVerification = z.infer<typeof CollectionVerification>;

export const ReplaySummary = z.object({
  slices: z.number().int(),
  entries: z.number().int(),
  /** Entries of the last slice past T, left out by the inclusive bound. */
  leftOut: z.number().int(),
  /** The last operation applied (no-ops aside); null when nothing happened between the snapshot and T. */
  lastOp: AppliedOp.nullable(),
  /** Parts of entries the target refused (an index option, a collMod), reported, never skipped silently. */
  failures: z.number().int(),
  /**
   * The replay's last attempt went on from the progress an earlier attempt saved (a worker died mid-replay):
   * the slices already applied and the ts they reach. The counts above cover every attempt.
   */
  resumedFrom: z.object({ slices: z.number().int(), through: TsString }).optional(),
});
export type ReplaySummary = z.infer<typeof ReplaySummary>;

export const IndexSummary = z.object({
  built: z.number().int(),
  failed: z.array(z.object({ ns: z.string(), name: z.string(), error: z.string() })),
});
export type IndexSummary = z.infer<typeof IndexSummary>;

export const RestoreStatus = z.object({
  restoreId: z.string(),
  phase: z.enum(RESTORE_PHASES),
  plan: RestorePlanRef.omit({ collections: true }).optional(),
  /** Per source namespace. */
  collections: z.record(z.string(), CollectionProgress),
  counts: z.object({ collections: z.number().int(), documents: z.number().int(), expectedDocuments: z.number().int() }),
  verification: z.array(CollectionVerification).optional(),
  replay: ReplaySummary.optional(),
  indexes: IndexSummary.optional(),
  /** Why the restore failed: the failure type and its message. */
  failure: z.object({ type: z.string(), message: z.string(), phase: z.enum(RESTORE_PHASES) }).optional(),
});
export type RestoreStatus = z.infer<typeof RestoreStatus>;

export const RestoreResult = z.object({
  restoreId: z.string(),
  jobId: z.string(),
  snapshotId: z.string(),
  snapshotTs: TsString,
  toTs: TsString.optional(),
  target: z.string(),
  collections: z.array(CollectionVerification),
  documents: z.number().int(),
  replay: ReplaySummary.optional(),
  indexes: IndexSummary,
  /** Milliseconds spent in each phase, as the activities measured them. */
  timings: z.record(z.string(), z.number()),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

// ---- activities ----

const Selection = RestoreInput.pick({ restoreId: true, target: true, namespaces: true, renames: true });

export const PlanRestoreInput = Selection.extend({ from: RestoreFrom, encryption: KeyRef.optional() });
export type PlanRestoreInput = z.input<typeof PlanRestoreInput>;

/** The plan's storage reference, passed to every activity that reads the snapshot. */
const SnapshotRef = z.object({ restoreId: RestoreId, store: z.string(), manifestKey: z.string() });

export const PrepareTargetInput = SnapshotRef.extend({ target: z.string(), collections: z.array(PlannedCollection), drop: z.boolean() });
export type PrepareTargetInput = z.input<typeof PrepareTargetInput>;
/** `createdNamespaces`: the target collections this restore created, which a failed restore removes. */
export const PrepareTargetResult = z.object({ created: z.number().int(), createdNamespaces: z.array(z.string()), dropped: z.number().int(), ms: z.number() });
export type PrepareTargetResult = z.infer<typeof PrepareTargetResult>;

export const RestoreCollectionInput = SnapshotRef.extend({
  target: z.string(),
  collection: PlannedCollection,
  encryption: KeyRef.optional(),
  batchDocs: z.number().int().min(1),
  batchBytes: z.number().int().min(1),
  fetchConcurrency: z.number().int().min(1),
});
export type RestoreCollectionInput = z.input<typeof RestoreCollectionInput>;
export const RestoreCollectionResult = z.object({ ns: z.string(), docs: z.number().int(), bytes: z.number().int(), resumed: z.boolean(), ms: z.number() });
export type RestoreCollectionResult = z.infer<typeof RestoreCollectionResult>;

export const VerifyRestoreInput = SnapshotRef.extend({ target: z.string(), collection: PlannedCollection });
export type VerifyRestoreInput = z.input<typeof VerifyRestoreInput>;
export const VerifyRestoreResult = z.object({ collection: CollectionVerification, ms: z.number() });
export type VerifyRestoreResult = z.infer<typeof VerifyRestoreResult>;

/**
 * What a replay did to collections and indexes (src/restore/index-events.ts, serialised): source
 * collections and databases it dropped or renamed away, and per source namespace the indexes it dropped
 * (by name, `key:<pattern>`, or `*` for all).
 */
export const IndexEventsJson = z.object({
  goneCollections: z.array(z.string()),
  goneDatabases: z.array(z.string()),
  droppedIndexes: z.record(z.string(), z.array(z.string())),
});
export type IndexEventsJson = z.infer<typeof IndexEventsJson>;

/**
 * What the replay tells the index build (indexes are built after it): what it dropped (its index events),
 * and the index builds the target refused during it, to try again on the final state (specs as canonical
 * Extended JSON, so BSON types survive the payload).
 */
export const IndexPlan = z.object({
  events: IndexEventsJson,
  retry: z.array(z.object({ ns: z.string(), index: z.string(), spec: z.record(z.string(), z.unknown()) })),
});
export type IndexPlan = z.infer<typeof IndexPlan>;

/** `encryption`: the restore's key, which opens sealed slices too (absent from a workflow started before it was passed). */
export const ReplayRestoreInput = Selection.extend({ plan: RestorePlanRef, encryption: KeyRef.optional() });
export type ReplayRestoreInput = z.input<typeof ReplayRestoreInput>;
export const ReplayRestoreResult = ReplaySummary.extend({ indexPlan: IndexPlan, ms: z.number() });
export type ReplayRestoreResult = z.infer<typeof ReplayRestoreResult>;

export const BuildRestoreIndexesInput = SnapshotRef.extend({
  target: z.string(),
  namespaces: z.array(z.string()),
  renames: z.array(z.string()),
  scope: z.array(z.string()),
  collections: z.array(PlannedCollection),
  indexPlan: IndexPlan.optional(),
});
export type BuildRestoreIndexesInput = z.input<typeof BuildRestoreIndexesInput>;
export const BuildRestoreIndexesResult = IndexSummary.extend({ ms: z.number() });
export type BuildRestoreIndexesResult = z.infer<typeof BuildRestoreIndexesResult>;

/** The target collections a restore created, removed when it fails on a damaged snapshot (`db.coll` each). */
export const DiscardRestoreTargetInput = z.object({ restoreId: RestoreId, target: z.string(), namespaces: z.array(z.string().regex(/^[^.]+\..+$/, 'a namespace is db.coll')) });
export type DiscardRestoreTargetInput = z.input<typeof DiscardRestoreTargetInput>;

export const FinishRestoreInput = z.object({
  restoreId: RestoreId,
  state: z.enum(['complete', 'failed']),
  failure: RestoreStatus.shape.failure,
});
export type FinishRestoreInput = z.input<typeof FinishRestoreInput>;

/** One restore as `listRestores` shows it (from Temporal's visibility). */
export interface RestoreListing {
  restoreId: string;
  workflowId: string;
  status: string;
  phase: string | undefined;
  jobId: string | undefined;
  startTime: Date;
  closeTime: Date | undefined;
}

/** The job's restorable time, as `restore window` prints it. */
export const RestoreWindowView = z.object({
  jobId: z.string(),
  ranges: z.array(z.object({ from: TsString, to: TsString, firstSecond: z.string(), lastSecond: z.string() })),
  snapshots: z.number().int(),
});
export type RestoreWindowView = z.infer<typeof RestoreWindowView>;
