/**
 * Inputs, plans and progress of the initial sync. Pure and sandbox-safe (zod only): the workflow, the
 * activities and the client all parse against these. Payloads carry ids and counts, never documents or URIs.
 */
import { z } from 'zod';

export const JobId = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'job ids are lowercase letters, digits and single dashes')
  .max(24);

/** A BSON timestamp as "seconds.increment". */
export const TsString = z.string().regex(/^\d+\.\d+$/, 'a timestamp is "<seconds>.<increment>"');

export const NamespaceFilter = z.object({
  /** `db`, `db.coll`, with `*` wildcards; empty means everything not excluded. */
  include: z.array(z.string().min(1)).default([]),
  /** Added to the defaults (`admin`, `local`, `config`, `*.system.*`). */
  exclude: z.array(z.string().min(1)).default([]),
});

export const InitialSyncInput = z.object({
  jobId: JobId,
  syncNumber: z.number().int().min(1).default(1),
  /** Connection ids, resolved in the worker. */
  source: z.string().min(1),
  head: z.string().min(1).default('head'),
  sliceStore: z.string().min(1).default('default'),
  filter: NamespaceFilter.prefault({}),
  /** Seal the sync's slices with this key (HEADWATER_KEY_<ID> in the worker); in clear when absent. */
  encryptionKeyId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  readPreference: z
    .enum(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'])
    .optional(),
  /** Tag sets for the member choice, tried in order (`{}` matches any); not with `primary`. */
  readTags: z.array(z.record(z.string(), z.string())).optional(),
  /** Collections copied at once (and _id ranges of one collection). */
  parallelism: z.number().int().min(1).max(32).default(4),
  /**
   * Collections larger than this are split into _id ranges of about this many documents. Unset: 50,000
   * on MongoDB; no split on FerretDB, where a range query scans the whole collection (ferretdb-findings.md).
   */
  rangeDocs: z.number().int().min(1000).optional(),
  sliceMaxBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(64 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** How long each copy/capture/build activity runs before handing back to the workflow. */
  activitySeconds: z.number().int().min(5).max(3600).default(60),
});
export type InitialSyncInput = z.input<typeof InitialSyncInput>;
export type InitialSyncParams = z.output<typeof InitialSyncInput>;

export const PHASES = [
  'starting',
  'transferring',
  'building',
  'applying oplogs',
  'fetching missing documents',
  'creating indexes',
  'complete',
] as const;
export type Phase = (typeof PHASES)[number];

/** What `starting` hands the workflow: T0 and the copy units; the full plan stays in the catalog. */
export const SyncStart = z.object({
  t0: TsString,
  namespaces: z.array(z.string()),
  ranges: z.array(z.object({ ns: z.string(), index: z.number().int() })),
});
export type SyncStart = z.infer<typeof SyncStart>;

export const CollectionProgress = z.object({
  docs: z.number(),
  bytes: z.number(),
  slices: z.number(),
  built: z.number(),
});

export const SyncProgress = z.object({
  phase: z.enum(PHASES),
  t0: TsString.optional(),
  collections: z.record(z.string(), CollectionProgress),
  oplog: z.object({ slices: z.number(), entries: z.number(), capturedThrough: TsString.optional() }),
  applied: z.object({ entries: z.number(), through: TsString.optional() }),
  missing: z.object({ found: z.number(), fetched: z.number() }),
  indexes: z.object({
    built: z.number(),
    failed: z.array(z.object({ ns: z.string(), name: z.string(), error: z.string() })),
  }),
  completeAt: TsString.optional(),
});
export type SyncProgress = z.infer<typeof SyncProgress>;

export const SyncResult = z.object({
  jobId: z.string(),
  syncNumber: z.number(),
  /** The timestamp at which the head equals the source. */
  consistentAt: TsString,
  progress: SyncProgress,
});
export type SyncResult = z.infer<typeof SyncResult>;

/** Orders two "seconds.increment" timestamps: negative when a < b. Pure, for workflow code. */
export function compareTsString(a: string, b: string): number {
  const [as, ai] = a.split('.').map(Number) as [number, number];
  const [bs, bi] = b.split('.').map(Number) as [number, number];
  return as !== bs ? as - bs : ai - bi;
}
