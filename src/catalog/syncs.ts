/**
 * Catalog records of initial syncs: the plan made in `starting` (T0, each collection's options, indexes
 * and _id ranges) and the documents an update referred to that the head lacked ("missing"), which the
 * `fetching missing documents` phase re-reads. Range bounds are stored as BSON values, types intact.
 */
import type { Collection, Document } from 'mongodb';
import { BSON, Timestamp } from 'mongodb';
import { z } from 'zod';
import { SourceReadPreference } from '../source/read-options.js';
import { SyncChain } from './slice-chains.js';

export const IdRange = z.object({ min: z.unknown().optional(), max: z.unknown().optional() });
export type IdRange = z.infer<typeof IdRange>;

export const CollectionPlan = z.object({
  ns: z.string(),
  options: z.record(z.string(), z.unknown()),
  indexes: z.array(z.record(z.string(), z.unknown())),
  estimatedCount: z.number(),
  ranges: z.array(IdRange),
});
export type CollectionPlan = z.infer<typeof CollectionPlan>;

export const SyncRecord = z.object({
  _id: z.string(),
  jobId: z.string(),
  syncNumber: z.number().int(),
  source: z.string(),
  t0: z.instanceof(Timestamp),
  collections: z.array(CollectionPlan),
  /**
   * The namespace filter that planned the sync; capture and apply hold the same one. Absent on syncs
   * planned before it was recorded: those apply to the planned databases only, as they always did.
   */
  filter: z.object({ include: z.array(z.string()), exclude: z.array(z.string()) }).optional(),
  /** The member choice the sync reads its source with (src/source/read-options.ts); absent: the primary. */
  reads: SourceReadPreference.optional(),
  /** host:port of the one member the sync reads (chosen by `reads` when it started); absent on older syncs. */
  member: z.string().optional(),
  /** Id of the key the sync's slices are sealed with (src/slice/slice-keys.ts); absent: in clear. */
  sliceKeyId: z.string().optional(),
  /** Source databases the oplog created after the plan that the filter keeps: the head has them too. */
  followedDbs: z.array(z.string()).optional(),
  createdAt: z.date(),
  consistentAt: z.instanceof(Timestamp).optional(),
  /**
   * Groom deleted this sync's oplog slices through here (the last entry of the last one deleted): its
   * chain of slices now begins here, not at T0 (src/groom/expire.ts, src/catalog/check-coverage.ts).
   */
  groomedThrough: z.instanceof(Timestamp).optional(),
});
export type SyncRecord = z.infer<typeof SyncRecord>;

export const syncKey = (jobId: string, n: number) => `${jobId}/${n}`;

/**
 * Index specs and collection options have the source's field names as keys ('profile.tier': 1, a
 * validator's '$jsonSchema', a partial filter's 'a.b'), which not every server takes as a key of a stored
 * document: FerretDB refuses any key with a '.' ("key must not contain '.' sign"), so a plan with an index
 * on a nested field was never recorded and the sync retried 'starting' for ever (found by the soak). The
 * record holds them as Extended JSON text, key order kept, read back as the driver reads a document.
 * Plans recorded before that hold documents, read as they are.
 */
const storedSpec = (spec: Record<string, unknown>): string => BSON.EJSON.stringify(spec, { relaxed: false });
// Read back relaxed: numbers as numbers, as the driver returns a stored document's values.
const specOf = (stored: unknown): unknown => (typeof stored === 'string' ? BSON.EJSON.parse(stored, { relaxed: true }) : stored);

function toStored(plan: CollectionPlan): Document {
  return { ...plan, options: storedSpec(plan.options), indexes: plan.indexes.map(storedSpec) };
}

function fromStored(doc: Document): SyncRecord {
  const collections = Array.isArray(doc.collections)
    ? (doc.collections as Document[]).map((c) => ({ ...c, options: specOf(c.options), indexes: Array.isArray(c.indexes) ? c.indexes.map(specOf) : c.indexes }))
    : doc.collections;
  return SyncRecord.parse({ ...doc, collections });
}

/**
 * FerretDB 1.24 never answers an update command that modifies 100 or more existing documents (found
 * by the applier work), so catalog bulk updates go in batches well under that. Harmless on MongoDB.
 */
const UPDATE_BATCH = 50;

function batches<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += UPDATE_BATCH) out.push(items.slice(i, i + UPDATE_BATCH));
  return out;
}

export class SyncCatalog {
  constructor(
    private readonly syncs: Collection<SyncRecord>,
    private readonly missing: Collection<Document>,
  ) {}

  async ensureIndexes(): Promise<void> {
    await this.missing.createIndex({ sync: 1, fetched: 1 });
  }

  /** Records the plan; a retried `starting` replaces the plan of the same sync (nothing was copied yet). */
  async recordPlan(sync: SyncRecord): Promise<void> {
    const { _id, ...rest } = SyncRecord.parse(sync);
    const stored = { ...rest, collections: rest.collections.map(toStored) } as Document as Omit<SyncRecord, '_id'>;
    // Absent optional fields stay absent (the driver would store undefined as null, which the parse refuses).
    await this.syncs.replaceOne({ _id }, stored, { upsert: true, ignoreUndefined: true });
  }

  /** The sync's record, or undefined when none was planned (a follow started by hand, tests). */
  async find(jobId: string, n: number): Promise<SyncRecord | undefined> {
    const doc = await this.syncs.findOne({ _id: syncKey(jobId, n) });
    return doc === null ? undefined : fromStored(doc);
  }

  /** The job's sync with the highest number, or undefined when it has none. */
  async newest(jobId: string): Promise<SyncRecord | undefined> {
    const [doc] = await this.syncs.find({ jobId }).sort({ syncNumber: -1 }).limit(1).toArray();
    return doc === undefined ? undefined : fromStored(doc);
  }

  /** Records source databases that apply reached after the plan (idempotent). */
  async addFollowedDbs(jobId: string, n: number, dbs: string[]): Promise<void> {
    if (dbs.length === 0) return;
    await this.syncs.updateOne({ _id: syncKey(jobId, n) }, { $addToSet: { followedDbs: { $each: dbs } } });
  }

  async get(jobId: string, n: number): Promise<SyncRecord> {
    const doc = await this.syncs.findOne({ _id: syncKey(jobId, n) });
    if (doc === null) throw new Error(`no plan recorded for initial sync ${n} of job '${jobId}'`);
    return fromStored(doc);
  }

  /**
   * The applier's state (open transactions, collection UUIDs) as of having applied through `through`.
   * Read back only for a call that resumes at exactly that point; a retry from an earlier point starts
   * from the state saved for it, never from a later one.
   */
  async saveApplierState(jobId: string, n: number, through: Timestamp, state: unknown): Promise<void> {
    await this.syncs.updateOne({ _id: syncKey(jobId, n) }, { $set: { applier: { through, state } } });
  }

  async applierState(jobId: string, n: number, at: Timestamp): Promise<unknown> {
    const doc = (await this.syncs.findOne({ _id: syncKey(jobId, n) })) as {
      applier?: { through: Timestamp; state: unknown };
    } | null;
    return doc?.applier !== undefined && doc.applier.through.equals(at) ? doc.applier.state : undefined;
  }

  /** The T0 of each of a job's initial syncs that is not consistent yet (it may still apply slices from there). */
  async unfinishedStarts(jobId: string): Promise<Timestamp[]> {
    const docs = await this.syncs.find({ jobId, consistentAt: { $exists: false } }, { projection: { t0: 1 } }).toArray();
    return docs.flatMap((d) => (d.t0 instanceof Timestamp ? [d.t0] : []));
  }

  /** Records that groom deletes the sync's slices through `ts` (never moves back: a later groom may delete less). */
  async markGroomedThrough(jobId: string, n: number, ts: Timestamp): Promise<void> {
    const current = (await this.find(jobId, n))?.groomedThrough;
    if (current !== undefined && !ts.gt(current)) return;
    await this.syncs.updateOne({ _id: syncKey(jobId, n) }, { $set: { groomedThrough: ts } });
  }

  async markConsistent(jobId: string, n: number, ts: Timestamp): Promise<void> {
    await this.syncs.updateOne({ _id: syncKey(jobId, n) }, { $set: { consistentAt: ts } });
  }

  /** Every initial sync of the job, in number order: number, T0 and consistent point only (groom's chains). */
  async chains(jobId: string): Promise<SyncChain[]> {
    const docs = await this.syncs
      .find({ jobId }, { projection: { _id: 0, syncNumber: 1, t0: 1, consistentAt: 1 } })
      .sort({ syncNumber: 1 })
      .toArray();
    return docs.map((d) => SyncChain.parse(d));
  }

  /** Deletes every sync plan of the job, then their missing-document records (terminate); returns the plans deleted. */
  async deleteJob(jobId: string): Promise<number> {
    const escaped = jobId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const deleted = await this.syncs.deleteMany({ jobId });
    await this.missing.deleteMany({ sync: { $regex: `^${escaped}/` } });
    return deleted.deletedCount;
  }

  /** Remembers documents the head lacked when an update referred to them (idempotent). */
  async addMissing(jobId: string, n: number, items: Array<{ ns: string; _id: unknown }>): Promise<void> {
    if (items.length === 0) return;
    const sync = syncKey(jobId, n);
    for (const batch of batches(items))
      await this.missing.bulkWrite(
        batch.map((m) => ({
          updateOne: {
            filter: { sync, ns: m.ns, id: m._id },
            update: { $setOnInsert: { sync, ns: m.ns, id: m._id, fetched: false } },
            upsert: true,
          },
        })),
        { ordered: false },
      );
  }

  async unfetched(jobId: string, n: number): Promise<Array<{ ns: string; _id: unknown }>> {
    const docs = await this.missing.find({ sync: syncKey(jobId, n), fetched: false }).toArray();
    return docs.map((d) => ({ ns: String(d.ns), _id: d.id }));
  }

  async markFetched(jobId: string, n: number, items: Array<{ ns: string; _id: unknown }>): Promise<void> {
    if (items.length === 0) return;
    await this.missing.bulkWrite(
      items.map((m) => ({
        updateOne: {
          filter: { sync: syncKey(jobId, n), ns: m.ns, id: m._id },
          update: { $set: { fetched: true } },
        },
      })),
      { ordered: false },
    );
  }
}
